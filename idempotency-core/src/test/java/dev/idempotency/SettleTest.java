package dev.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.idempotency.store.ClaimResult;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.IdempotencyStore;
import dev.idempotency.store.InMemoryIdempotencyStore;
import dev.idempotency.store.RecordStatus;
import dev.idempotency.testing.Hashes;
import dev.idempotency.testing.InterruptSensitiveStore;
import dev.idempotency.testing.LostResponseStore;
import dev.idempotency.testing.MutableClock;
import dev.idempotency.testing.RecordingListener;

/**
 * Recording a finished body's outcome (the settle step) in a hostile but ordinary environment: the caller is
 * interrupted, a response is lost after the write took effect, the store stops answering.
 */
class SettleTest {

    record Receipt(String orderId, int run) {
    }

    public static class CardDeclinedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public CardDeclinedException(String message) {
            super(message);
        }
    }

    private final MutableClock clock = MutableClock.startingNow();
    private final InMemoryIdempotencyStore memory = InMemoryIdempotencyStore.create();
    private final RecordingListener listener = new RecordingListener();
    private final AtomicInteger runs = new AtomicInteger();
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    private IdempotentOperation<Receipt> operation(IdempotencyStore store, IdempotencyConfig.Builder config) {
        return Idempotency.builder().store(store).config(config.clock(clock).build()).listener(listener).build()
                .operation("orders.place", Receipt.class).finalExceptions(CardDeclinedException.class).build();
    }

    private IdempotentOperation<Receipt> operation(IdempotencyStore store) {
        return operation(store, IdempotencyConfig.builder().localCacheEnabled(false));
    }

    private static String id(String key) {
        return "orders.place#" + Hashes.sha256(key);
    }

    // --- 1. an interrupted caller ---

    @Test
    void completesTheRecordOfABodyThatReturnsWithTheCallerInterrupted() {
        InterruptSensitiveStore store = new InterruptSensitiveStore(memory);
        IdempotentOperation<Receipt> place = operation(store);

        Receipt first = place.execute("k-1", () -> {
            Thread.currentThread().interrupt();
            return new Receipt("o-1", runs.incrementAndGet());
        });
        boolean stillInterrupted = Thread.interrupted();

        assertThat(stillInterrupted).as("the caller's interrupt flag, set again after the settle").isTrue();
        assertThat(memory.find(id("k-1"))).get().extracting(IdempotencyRecord::status)
                .isEqualTo(RecordStatus.COMPLETED);
        clock.advance(Duration.ofMinutes(5));
        assertThat(place.execute("k-1", () -> new Receipt("o-1", runs.incrementAndGet()))).isEqualTo(first);
        assertThat(runs).hasValue(1);
        assertThat(listener.events()).containsExactly("executed", "replayed STORE");
    }

    @Test
    void releasesTheRecordOfABodyThatThrowsWithTheCallerInterrupted() {
        IdempotentOperation<Receipt> place = operation(new InterruptSensitiveStore(memory));

        assertThatThrownBy(() -> place.execute("k-1", () -> {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("gateway timeout");
        })).hasMessage("gateway timeout");

        assertThat(Thread.interrupted()).isTrue();
        assertThat(memory.find(id("k-1"))).isEmpty();
        assertThat(listener.events()).containsExactly("released");
    }

    @Test
    void keepsTheFinalExceptionOfABodyThatThrowsWithTheCallerInterrupted() {
        IdempotentOperation<Receipt> place = operation(new InterruptSensitiveStore(memory));

        assertThatThrownBy(() -> place.execute("k-1", () -> {
            Thread.currentThread().interrupt();
            throw new CardDeclinedException("declined");
        })).isInstanceOf(CardDeclinedException.class);

        assertThat(Thread.interrupted()).isTrue();
        assertThat(memory.find(id("k-1"))).get().extracting(IdempotencyRecord::status)
                .isEqualTo(RecordStatus.FAILED);
    }

    /** A worker cancelled with {@code cancel(true)} as its body returns: a timeout, or an executor shutting down. */
    @Test
    void completesTheRecordOfAWorkerCancelledAsItsBodyReturns() throws Exception {
        IdempotentOperation<Receipt> place = operation(new InterruptSensitiveStore(memory));
        CountDownLatch bodyRunning = new CountDownLatch(1);
        CountDownLatch cancelled = new CountDownLatch(1);
        AtomicBoolean interruptedAfter = new AtomicBoolean();
        CountDownLatch workerDone = new CountDownLatch(1);

        Future<Receipt> worker = pool.submit(() -> {
            try {
                return place.execute("k-1", () -> {
                    bodyRunning.countDown();
                    awaitUninterruptibly(cancelled);
                    return new Receipt("o-1", runs.incrementAndGet());
                });
            } finally {
                interruptedAfter.set(Thread.currentThread().isInterrupted());
                workerDone.countDown();
            }
        });
        assertThat(bodyRunning.await(5, TimeUnit.SECONDS)).isTrue();
        worker.cancel(true);
        cancelled.countDown();

        awaitRecord(id("k-1"), RecordStatus.COMPLETED);
        // The record completes before execute returns: wait for the worker to have read its flag.
        assertThat(workerDone.await(60, TimeUnit.SECONDS)).isTrue();
        assertThat(interruptedAfter).isTrue();
        assertThat(place.execute("k-1", () -> new Receipt("o-1", runs.incrementAndGet())))
                .isEqualTo(new Receipt("o-1", 1));
        assertThat(runs).hasValue(1);
    }

    @Test
    void completesTheRecordOfAStageThatSettlesOnAnInterruptedThread() {
        IdempotentOperation<Receipt> place = operation(new InterruptSensitiveStore(memory));
        CompletableFuture<Receipt> stage = new CompletableFuture<>();

        CompletableFuture<Receipt> result = place.executeAsync("k-1", null, () -> stage);
        Thread.currentThread().interrupt();
        stage.complete(new Receipt("o-1", runs.incrementAndGet()));

        assertThat(Thread.interrupted()).isTrue();
        assertThat(result).isCompletedWithValue(new Receipt("o-1", 1));
        assertThat(memory.find(id("k-1"))).get().extracting(IdempotencyRecord::status)
                .isEqualTo(RecordStatus.COMPLETED);
    }

    // --- 12. a response lost after the write took effect ---

    @Test
    void tellsACompletionWhoseResponseWasLostFromALostLease() {
        IdempotentOperation<Receipt> place = operation(new LostResponseStore(memory), IdempotencyConfig.builder());

        Receipt first = place.execute("k-1", () -> new Receipt("o-1", runs.incrementAndGet()));

        assertThat(place.execute("k-1", () -> new Receipt("o-1", runs.incrementAndGet()))).isEqualTo(first);
        assertThat(runs).hasValue(1);
        assertThat(listener.events()).as("executed, and cached locally: no lease was lost")
                .containsExactly("executed", "replayed LOCAL_CACHE");
    }

    @Test
    void tellsAReleaseWhoseResponseWasLostFromALostLease() {
        IdempotentOperation<Receipt> place = operation(new LostResponseStore(memory));

        assertThatThrownBy(() -> place.execute("k-1", () -> {
            throw new IllegalStateException("gateway timeout");
        })).hasMessage("gateway timeout");

        assertThat(listener.events()).containsExactly("released");
        assertThat(memory.find(id("k-1"))).isEmpty();
    }

    @Test
    void stillReportsALeaseThatWasReallyTakenOver() {
        IdempotentOperation<Receipt> place = operation(memory);
        IdempotentOperation<Receipt> takeover = operation(memory);
        AtomicInteger takeoverRuns = new AtomicInteger();

        place.execute("k-1", () -> {
            clock.advance(IdempotencyConfig.DEFAULT_LEASE.plusSeconds(1));
            takeover.execute("k-1", () -> new Receipt("o-1", 100 + takeoverRuns.incrementAndGet()));
            return new Receipt("o-1", runs.incrementAndGet());
        });

        assertThat(listener.events()).containsExactly("executed", "lease lost", "executed");
        assertThat(place.execute("k-1", () -> new Receipt("o-1", runs.incrementAndGet())))
                .isEqualTo(new Receipt("o-1", 101));
    }

    // --- 13. a store that stops answering while the caller waits for its result ---

    @Test
    void handsTheCallerItsResultOnceTheSettleTimeoutIsSpent() {
        SlowFailingCompletions store = new SlowFailingCompletions(memory, clock, Duration.ofSeconds(2));
        IdempotentOperation<Receipt> place = operation(store,
                IdempotencyConfig.builder().localCacheEnabled(false).settleTimeout(Duration.ofSeconds(5)));

        Receipt first = place.execute("k-1", () -> new Receipt("o-1", runs.incrementAndGet()));

        assertThat(first).isEqualTo(new Receipt("o-1", 1));
        assertThat(store.completions()).as("attempts started at 0 s, 2 s and 4 s; none after the 5 s budget")
                .isEqualTo(3);
        assertThat(listener.events()).containsExactly("store failure", "executed");
    }

    @Test
    void neverSettlesPastTheLeaseEvenWithAGenerousTimeout() {
        SlowFailingCompletions store = new SlowFailingCompletions(memory, clock, Duration.ofSeconds(2));
        IdempotentOperation<Receipt> place = Idempotency.builder().store(store)
                .config(IdempotencyConfig.builder().clock(clock).localCacheEnabled(false)
                        .settleTimeout(Duration.ofMinutes(10)).build()).listener(listener).build()
                .operation("orders.place", Receipt.class).lease(Duration.ofSeconds(3)).build();

        place.execute("k-1", () -> new Receipt("o-1", runs.incrementAndGet()));

        assertThat(store.completions()).as("attempts started at 0 s and 2 s; the lease ends at 3 s").isEqualTo(2);
    }

    /** Completions that each take {@code took} of the test clock and then fail, as a timed-out request does. */
    static final class SlowFailingCompletions implements IdempotencyStore {

        private final IdempotencyStore delegate;
        private final MutableClock clock;
        private final Duration took;
        private final AtomicInteger completions = new AtomicInteger();

        SlowFailingCompletions(IdempotencyStore delegate, MutableClock clock, Duration took) {
            this.delegate = delegate;
            this.clock = clock;
            this.took = took;
        }

        int completions() {
            return completions.get();
        }

        @Override
        public ClaimResult claim(IdempotencyRecord record, Instant now) {
            return delegate.claim(record, now);
        }

        @Override
        public boolean complete(IdempotencyRecord finished) {
            completions.incrementAndGet();
            clock.advance(took);
            throw new IllegalStateException("request timed out after " + took);
        }

        @Override
        public boolean release(String id, String claimToken) {
            return delegate.release(id, claimToken);
        }

        @Override
        public Optional<IdempotencyRecord> find(String id) {
            clock.advance(took);
            throw new IllegalStateException("request timed out after " + took);
        }
    }

    private void awaitRecord(String id, RecordStatus status) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (memory.find(id).map(IdempotencyRecord::status).orElse(null) != status) {
            assertThat(System.nanoTime()).as("record %s to become %s", id, status).isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.idempotency.store.InMemoryIdempotencyStore;
import dev.idempotency.testing.CountingIdempotencyStore;
import dev.idempotency.testing.MutableClock;

/** A duplicate that waits for the running call: it replays, takes over, or gives up, as the clock says. */
class WaitModeTest {

    private final MutableClock clock = MutableClock.startingNow();
    private final CountingIdempotencyStore store = new CountingIdempotencyStore(InMemoryIdempotencyStore.create());
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final AtomicInteger runs = new AtomicInteger();
    private final CountDownLatch ownerRunning = new CountDownLatch(1);
    private final CountDownLatch ownerMayFinish = new CountDownLatch(1);

    /** Lease 30 s, wait timeout 10 s, unless a test says otherwise. */
    private IdempotentOperation<String> op = operation(Duration.ofSeconds(30), Duration.ofSeconds(10));

    private IdempotentOperation<String> operation(Duration lease, Duration waitTimeout) {
        return Idempotency.builder()
                .store(store)
                .config(IdempotencyConfig.builder()
                        .clock(clock)
                        .lease(lease)
                        .inProgressPolicy(InProgressPolicy.WAIT)
                        .waitTimeout(waitTimeout)
                        .waitInitialBackoff(Duration.ofMillis(1))
                        .waitMaxBackoff(Duration.ofMillis(5))
                        .build())
                .build()
                .operation("wait", String.class)
                .build();
    }

    @AfterEach
    void stopPool() {
        ownerMayFinish.countDown();
        pool.shutdownNow();
    }

    private Future<String> ownerThatWaitsToFinish() throws InterruptedException {
        Future<String> owner = pool.submit(() -> op.execute("k", () -> {
            runs.incrementAndGet();
            ownerRunning.countDown();
            ownerMayFinish.await();
            return "owner's result";
        }));
        ownerRunning.await();
        return owner;
    }

    private Future<String> duplicate() {
        return pool.submit(() -> op.execute("k", () -> {
            runs.incrementAndGet();
            return "duplicate's result";
        }));
    }

    /** Waits (really, briefly) until the waiting duplicate has read the record at least once. */
    private void awaitPolling(int findsBefore) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (store.finds() <= findsBefore && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(store.finds()).as("the duplicate polls the record").isGreaterThan(findsBefore);
    }

    @Test
    void replaysTheResultOnceTheRunningCallCompletes() throws Exception {
        Future<String> owner = ownerThatWaitsToFinish();
        Future<String> waiter = duplicate();
        awaitPolling(0);

        ownerMayFinish.countDown();

        assertThat(waiter.get(10, TimeUnit.SECONDS)).isEqualTo("owner's result");
        assertThat(owner.get(10, TimeUnit.SECONDS)).isEqualTo("owner's result");
        assertThat(runs).hasValue(1);
    }

    @Test
    void givesUpWaitingWhenInterruptedAndKeepsTheInterrupt() throws Exception {
        Future<String> owner = ownerThatWaitsToFinish();

        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> op.execute("k", () -> "duplicate's result"))
                    .isInstanceOf(IdempotencyInProgressException.class);
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }

        ownerMayFinish.countDown();
        assertThat(owner.get(10, TimeUnit.SECONDS)).isEqualTo("owner's result");
    }

    @Test
    void givesUpWithTheInProgressExceptionWhenTheWaitTimesOut() throws Exception {
        ownerThatWaitsToFinish();
        Future<String> waiter = duplicate();
        awaitPolling(0);

        clock.advance(Duration.ofSeconds(10));

        assertThatThrownBy(() -> waiter.get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(IdempotencyInProgressException.class)
                .cause().satisfies(e -> assertThat(((IdempotencyInProgressException) e).timeLeft())
                        .isEqualTo(Duration.ofSeconds(20)));
        assertThat(runs).hasValue(1);
    }

    @Test
    void takesTheKeyOverAndRunsWhenTheOwnersLeaseRunsOut() throws Exception {
        op = operation(Duration.ofSeconds(5), Duration.ofSeconds(60));
        ownerThatWaitsToFinish();
        Future<String> waiter = duplicate();
        awaitPolling(0);

        clock.advance(Duration.ofSeconds(5));

        assertThat(waiter.get(10, TimeUnit.SECONDS)).isEqualTo("duplicate's result");
        assertThat(runs).hasValue(2);
    }

    @Test
    void claimsAgainWhenTheRunningCallFailedAndReleasedTheKey() throws Exception {
        Future<String> owner = pool.submit(() -> op.execute("k", () -> {
            runs.incrementAndGet();
            ownerRunning.countDown();
            ownerMayFinish.await();
            throw new IllegalStateException("owner failed");
        }));
        ownerRunning.await();
        Future<String> waiter = duplicate();
        awaitPolling(0);

        ownerMayFinish.countDown();

        assertThat(waiter.get(10, TimeUnit.SECONDS)).isEqualTo("duplicate's result");
        assertThatThrownBy(() -> owner.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalStateException.class);
        assertThat(runs).hasValue(2);
    }

    /**
     * A pause never runs past the wait's deadline: with pauses of 10 s and a 50 ms wait, the duplicate gives up after
     * about 50 ms, not after the first pause (5 to 10 s with jitter). The bound is a hundred times the wait, so load
     * on the machine cannot make it fail; only a pause past the deadline can.
     */
    @Test
    void neverPausesPastTheWaitsDeadline() throws Exception {
        IdempotentOperation<String> longPauses = Idempotency.builder()
                .store(store)
                .config(IdempotencyConfig.builder()
                        .inProgressPolicy(InProgressPolicy.WAIT)
                        .waitTimeout(Duration.ofMillis(50))
                        .waitInitialBackoff(Duration.ofSeconds(10))
                        .waitMaxBackoff(Duration.ofSeconds(10))
                        .build())
                .build()
                .operation("wait", String.class)
                .build();
        op = longPauses;
        ownerThatWaitsToFinish();

        long start = System.nanoTime();
        assertThatThrownBy(() -> longPauses.execute("k", () -> "duplicate's result"))
                .isInstanceOf(IdempotencyInProgressException.class);

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(runs).hasValue(1);
    }
}

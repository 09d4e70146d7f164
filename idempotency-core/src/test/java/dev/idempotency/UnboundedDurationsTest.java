package dev.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.InMemoryIdempotencyStore;
import dev.idempotency.store.RecordStatus;
import dev.idempotency.testing.Hashes;

/**
 * "Never give up recording the outcome" and "wait as long as it takes" are natural settings, written as
 * {@code ChronoUnit.FOREVER.getDuration()} or {@code Duration.ofSeconds(Long.MAX_VALUE)}. The builder accepts them
 * (they are positive), and the engine adds them to the clock's instant, which overflows: a raw
 * {@code ArithmeticException} reaches the caller. With the settle timeout, it happens after the body ran, and the
 * record is left IN_PROGRESS, so a retry after the lease runs the body again. Either the builder refuses the value,
 * or the engine treats it as unbounded.
 */
class UnboundedDurationsTest {

    private static final Duration FOREVER = ChronoUnit.FOREVER.getDuration();

    private final InMemoryIdempotencyStore memory = InMemoryIdempotencyStore.create();
    private final AtomicInteger runs = new AtomicInteger();

    @Test
    void settlesWithASettleTimeoutWithoutBound() {
        IdempotencyConfig config;
        try {
            config = IdempotencyConfig.builder().settleTimeout(FOREVER).build();
        } catch (IllegalArgumentException refused) {
            return;
        }
        IdempotentOperation<String> place = Idempotency.builder().store(memory).config(config).build()
                .operation("orders.place", String.class).build();

        // Fails: java.lang.ArithmeticException "long overflow" (Settle: clock.instant().plus(settleTimeout)), after
        // the body ran; the record is left IN_PROGRESS.
        assertThat(place.execute("k-1", () -> "receipt-" + runs.incrementAndGet())).isEqualTo("receipt-1");
        assertThat(memory.find("orders.place#" + Hashes.sha256("k-1"))).get()
                .extracting(IdempotencyRecord::status).isEqualTo(RecordStatus.COMPLETED);
    }

    @Test
    void waitsWithAWaitTimeoutWithoutBound() throws Exception {
        IdempotencyConfig config;
        try {
            config = IdempotencyConfig.builder().inProgressPolicy(InProgressPolicy.WAIT).waitTimeout(FOREVER)
                    .waitInitialBackoff(Duration.ofMillis(5)).waitMaxBackoff(Duration.ofMillis(20)).build();
        } catch (IllegalArgumentException refused) {
            return;
        }
        IdempotentOperation<String> place = Idempotency.builder().store(memory).config(config).build()
                .operation("orders.place", String.class).build();
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<String> first = pool.submit(() -> place.execute("k-1", () -> {
                running.countDown();
                finish.await();
                return "first";
            }));
            assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
            Future<String> duplicate = pool.submit(() -> place.execute("k-1", () -> "duplicate"));
            Thread.sleep(100);
            finish.countDown();

            assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo("first");
            // Fails: ExecutionException caused by java.lang.ArithmeticException: long overflow (start's
            // now.plus(waitTimeout)), at once, instead of waiting for the first call's outcome.
            assertThat(duplicate.get(5, TimeUnit.SECONDS)).isEqualTo("first");
        } finally {
            finish.countDown();
            pool.shutdownNow();
        }
    }
}

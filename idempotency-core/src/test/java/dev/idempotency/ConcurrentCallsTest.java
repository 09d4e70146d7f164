package dev.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.RepeatedTest;

import dev.idempotency.testing.Race;

/** 64 real threads call one key at once: the body runs exactly once. */
class ConcurrentCallsTest {

    record Receipt(String id, int attempt) {
    }

    private final AtomicInteger runs = new AtomicInteger();

    private IdempotentOperation<Receipt> operation(InProgressPolicy policy) {
        return Idempotency.builder()
                .config(IdempotencyConfig.builder()
                        .inProgressPolicy(policy)
                        .waitInitialBackoff(Duration.ofMillis(1))
                        .waitMaxBackoff(Duration.ofMillis(10))
                        .waitTimeout(Duration.ofSeconds(30))
                        .build())
                .build()
                .operation("race", Receipt.class)
                .build();
    }

    private Receipt slowBody(CountDownLatch everyoneStarted) throws InterruptedException {
        int attempt = runs.incrementAndGet();
        everyoneStarted.await(5, TimeUnit.SECONDS);
        return new Receipt("r-1", attempt);
    }

    @RepeatedTest(3)
    void runsTheBodyOnceAndRejectsEveryConcurrentDuplicate() throws Exception {
        IdempotentOperation<Receipt> op = operation(InProgressPolicy.REJECT);
        CountDownLatch everyoneReturned = new CountDownLatch(63);

        List<Race.Outcome<Receipt>> outcomes = Race.run(64, 60, i -> () -> {
            try {
                return op.execute("one-key", "payload", () -> slowBody(everyoneReturned));
            } finally {
                everyoneReturned.countDown();
            }
        });

        assertThat(runs).hasValue(1);
        long results = outcomes.stream().filter(Race.Outcome::succeeded).count();
        long rejected = outcomes.stream()
                .filter(o -> o.failure() instanceof IdempotencyInProgressException).count();
        assertThat(results + rejected).isEqualTo(64);
        assertThat(results).isGreaterThanOrEqualTo(1);
        // Under WAIT nobody would be rejected: the body holds the key until 63 others have returned.
        assertThat(rejected).isGreaterThanOrEqualTo(1);
        assertThat(outcomes).filteredOn(Race.Outcome::succeeded)
                .allSatisfy(o -> assertThat(o.value()).isEqualTo(new Receipt("r-1", 1)));
    }

    @RepeatedTest(3)
    void givesEveryWaitingDuplicateTheOneResult() throws Exception {
        IdempotentOperation<Receipt> op = operation(InProgressPolicy.WAIT);

        List<Race.Outcome<Receipt>> outcomes = Race.run(64, 60,
                i -> () -> op.execute("one-key", "payload", () -> {
                    runs.incrementAndGet();
                    Thread.sleep(50);
                    return new Receipt("r-1", 1);
                }));

        assertThat(runs).hasValue(1);
        assertThat(outcomes).allSatisfy(o -> {
            assertThat(o.failure()).isNull();
            assertThat(o.value()).isEqualTo(new Receipt("r-1", 1));
        });
    }
}

package dev.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.redis.testing.RedisExtension;
import dev.idempotency.redis.testing.RedisServerProcess;
import dev.idempotency.testing.ChaosRun;

/**
 * The chaos run against the Redis store: 16 threads, 5,000 calls over 300 keys, 10% of store operations failing
 * before or after they took effect. About a second on 2 cores, so it runs at full size.
 */
@ExtendWith(RedisExtension.class)
class RedisChaosIntegrationTest {

    @Test
    void keepsEveryInvariantWhileTenPercentOfStoreOperationsFail(RedisServerProcess redis) throws Exception {
        try (RedisIdempotencyStore store = RedisIdempotencyStore.builder().uri(redis.uri()).build()) {
            long start = System.nanoTime();

            ChaosRun.Report report = new ChaosRun(16, 5_000, 300, 0.10).run(store);

            System.out.println("Redis chaos run in " + Duration.ofNanos(System.nanoTime() - start).toMillis()
                    + " ms: " + report);
            assertThat(report.faultsInjected()).isPositive();
            assertThat(report.replays()).as("duplicates answered without running the body").isPositive();
        }
    }
}

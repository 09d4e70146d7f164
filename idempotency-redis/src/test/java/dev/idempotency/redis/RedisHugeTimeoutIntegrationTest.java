package dev.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.redis.testing.RedisExtension;
import dev.idempotency.redis.testing.RedisServerProcess;

/**
 * A timeout is any positive {@link Duration}; one too long to count in nanoseconds (a thousand years, "no limit"
 * in practice) is still a bound: a health check answers, and a store either refuses it at once, as the builder's
 * setters validate, or works with it; never an {@link ArithmeticException} from the arithmetic of a deadline.
 */
@ExtendWith(RedisExtension.class)
class RedisHugeTimeoutIntegrationTest {

    private static final Duration THOUSAND_YEARS = Duration.ofDays(365L * 1000);

    @Test
    void pingsWithATimeoutTooLongToCountInNanoseconds(RedisServerProcess redis) {
        try (RedisIdempotencyStore store = RedisIdempotencyStore.builder().uri(redis.uri()).build()) {
            assertThat(store.find("huge#warm")).isEmpty();

            assertThat(store.ping(THOUSAND_YEARS)).isEqualTo("PONG");
        }
    }

    @Test
    void refusesATimeoutTooLongToCountInNanosecondsAtOnceOrWorksWithIt(RedisServerProcess redis) {
        RedisIdempotencyStore.Builder builder = RedisIdempotencyStore.builder().uri(redis.uri());
        try {
            builder.timeout(THOUSAND_YEARS);
        } catch (IllegalArgumentException refusedAtOnce) {
            return;
        }
        try (RedisIdempotencyStore store = builder.build()) {
            assertThat(store.find("huge#find")).isEmpty();
        }
    }
}

package dev.idempotency.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.redis.RedisIdempotencyStore;
import dev.idempotency.redis.testing.RedisExtension;
import dev.idempotency.redis.testing.RedisServerProcess;
import dev.idempotency.store.IdempotencyStore;

/** The call metrics on the Redis store, against the redis-server the Redis module's test jar starts. */
@ExtendWith(RedisExtension.class)
class RedisCallMetricsIntegrationTest extends AbstractCallMetricsTest {

    private static RedisIdempotencyStore store;

    @BeforeAll
    static void connect(RedisServerProcess redis) {
        store = RedisIdempotencyStore.builder().uri(redis.uri()).build();
    }

    @AfterAll
    static void close() {
        store.close();
    }

    @Override
    IdempotencyStore store() {
        return store;
    }

    @Override
    String storeType() {
        return IdempotencyMetrics.storeType(store);
    }

    @Test
    void tagsTheStoreRequestsRedis() {
        key();
        place().execute(key(), () -> "receipt");

        assertThat(storeType()).isEqualTo("redis");
        assertThat(registry.get(IdempotencyMetrics.STORE_REQUESTS).tag("store", "redis").tag("operation", "claim")
                .tag("result", "success").timer().count()).isEqualTo(1);
    }
}

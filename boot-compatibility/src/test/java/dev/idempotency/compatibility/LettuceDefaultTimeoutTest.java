package dev.idempotency.compatibility;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.redis.RedisIdempotencyStore;
import dev.idempotency.redis.testing.RedisExtension;
import dev.idempotency.redis.testing.RedisServerProcess;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;

/**
 * On Lettuce 6, the version Spring Boot 4.0 manages, a {@link RedisClient}'s default timeout can be set apart from its
 * URI's ({@code setDefaultTimeout}), and the client's own {@code connect(codec)} gives its connections that timeout.
 * The store's connection on such a client must time out as the client's own connections do, not after the URI's
 * 60 s. Lettuce 7 (what the Redis module builds with) has no such setting, so this runs here, on Boot's Lettuce.
 */
@ExtendWith(RedisExtension.class)
class LettuceDefaultTimeoutTest {

    private static final Duration CLIENT_TIMEOUT = Duration.ofMillis(300);

    @Test
    void givesTheStoresConnectionTheClientsDefaultTimeout(RedisServerProcess redis) throws Exception {
        Method setDefaultTimeout = AbstractRedisClient.class.getMethod("setDefaultTimeout", Duration.class);
        RedisClient client = RedisClient.create(redis.uri());
        setDefaultTimeout.invoke(client, CLIENT_TIMEOUT);
        RedisClient admin = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<byte[], byte[]> own = client.connect(ByteArrayCodec.INSTANCE);
                StatefulRedisConnection<String, String> control = admin.connect();
                RedisIdempotencyStore store = RedisIdempotencyStore.builder().client(client).build()) {
            assertThat(own.getTimeout()).as("the client's own connections").isEqualTo(CLIENT_TIMEOUT);
            assertThat(store.find("orders.place#warm")).isEmpty();

            control.sync().clientPause(3_000);
            long start = System.nanoTime();
            assertThatThrownBy(() -> store.find("orders.place#paused")).isInstanceOf(IdempotencyStoreException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("a call while Redis pauses")
                    .isLessThan(Duration.ofMillis(2_000));
        } finally {
            client.shutdown();
            admin.shutdown();
        }
    }
}

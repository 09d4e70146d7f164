package dev.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.time.Duration;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.redis.testing.RedisExtension;
import dev.idempotency.redis.testing.RedisServerProcess;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;

/**
 * On Lettuce 6 (Spring Boot's managed version), a RedisClient's default timeout can be set apart from its URI's
 * ({@code setDefaultTimeout}), and {@code client.connect(codec)} uses it. The store's connection on that client must
 * time out as the client's own connections do: at the client's default timeout, not the URI's 60 s.
 * Skipped on Lettuce 7, which has no such setting. To run it on Lettuce 6.8 offline, put lettuce-core 6.8.2.RELEASE in
 * place of 7.7.0 on the surefire test class path (surefire.test.class.path in the report) and launch this class with
 * the JUnit Platform launcher: the store's find waits out the whole 3 s pause (the URI's 60 s timeout, read by
 * reflection), where {@code client.connect(codec)}, which the store used before, times out at 300 ms.
 */
@ExtendWith(RedisExtension.class)
class RedisClientDefaultTimeoutIntegrationTest {

    private static final Duration CLIENT_TIMEOUT = Duration.ofMillis(300);

    @Test
    void theStoresConnectionUsesTheClientsDefaultTimeoutLikeTheClientsOwnConnect(RedisServerProcess redis)
            throws Exception {
        Method setter;
        try {
            setter = AbstractRedisClient.class.getMethod("setDefaultTimeout", Duration.class);
        } catch (NoSuchMethodException lettuce7) {
            Assumptions.abort("Lettuce 7 has no setDefaultTimeout");
            return;
        }
        RedisClient client = RedisClient.create(redis.uri());
        setter.invoke(client, CLIENT_TIMEOUT);
        try (StatefulRedisConnection<byte[], byte[]> own = client.connect(ByteArrayCodec.INSTANCE);
                RedisIdempotencyStore store = RedisIdempotencyStore.builder().client(client).build()) {
            assertThat(own.getTimeout()).as("the client's own connect(codec)").isEqualTo(CLIENT_TIMEOUT);
            assertThat(store.find("default-timeout#warm")).isEmpty();

            RedisClient admin = RedisClient.create(redis.uri());
            try (StatefulRedisConnection<String, String> control = admin.connect()) {
                control.sync().clientPause(3000);
                long start = System.nanoTime();
                assertThatThrownBy(() -> store.find("default-timeout#slow"))
                        .isInstanceOf(IdempotencyStoreException.class);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the call on a paused server")
                        .isLessThan(Duration.ofMillis(1500));
            } finally {
                admin.shutdown();
            }
        } finally {
            client.shutdown();
        }
    }
}

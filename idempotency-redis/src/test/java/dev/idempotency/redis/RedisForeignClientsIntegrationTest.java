package dev.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.redis.testing.RedisExtension;
import dev.idempotency.redis.testing.RedisServerProcess;
import dev.idempotency.redis.testing.TcpProxy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;

/**
 * Clients and connections the store did not make: a ready connection (the store never connects, and close() leaves
 * it open), a RedisClient without a URI (the call fails at once, saying so), and the client of Spring Data Redis's
 * LettuceConnectionFactory (its command timeout bounds the store's connect).
 */
@ExtendWith(RedisExtension.class)
class RedisForeignClientsIntegrationTest {

    @Test
    void closingAStoreOnAGivenConnectionLeavesTheConnectionOpenEvenOnAnInterruptedThread(RedisServerProcess redis) {
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<byte[], byte[]> mine = client.connect(ByteArrayCodec.INSTANCE)) {
            RedisIdempotencyStore store = RedisIdempotencyStore.builder().connection(mine).build();
            assertThat(store.find("foreign#given")).isEmpty();
            Thread.currentThread().interrupt();
            try {
                store.close();
                assertThat(Thread.currentThread().isInterrupted()).isTrue();
            } finally {
                Thread.interrupted();
            }
            assertThat(mine.isOpen()).as("the application's connection after close()").isTrue();
            assertThat(mine.sync().ping()).isEqualTo("PONG");
            assertThatThrownBy(() -> store.find("foreign#given")).isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageContaining("closed");
        } finally {
            client.shutdown();
        }
    }

    @Test
    void aClientWithoutAUriFailsTheCallAtOnceSayingSo() throws Exception {
        RedisClient client = RedisClient.create();
        try {
            RedisIdempotencyStore store = RedisIdempotencyStore.builder().client(client).build();
            long start = System.nanoTime();
            assertThatThrownBy(() -> store.find("foreign#nouri")).isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageContaining("RedisURI");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
            store.close();
        } finally {
            client.shutdown();
        }
    }

    @Test
    void aSpringFactoryClientsCommandTimeoutBoundsTheStoresConnect() throws Exception {
        try (TcpProxy silent = TcpProxy.blackHole()) {
            LettuceConnectionFactory factory = new LettuceConnectionFactory(
                    new RedisStandaloneConfiguration("127.0.0.1", silent.port()),
                    LettuceClientConfiguration.builder().commandTimeout(Duration.ofMillis(300)).build());
            factory.afterPropertiesSet();
            factory.start();
            try {
                RedisClient client = (RedisClient) factory.getNativeClient();
                try (RedisIdempotencyStore store = RedisIdempotencyStore.builder().client(client).build()) {
                    long start = System.nanoTime();
                    assertThatThrownBy(() -> store.find("foreign#spring"))
                            .isInstanceOf(IdempotencyStoreException.class);
                    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the failed call")
                            .isLessThan(Duration.ofSeconds(2));
                }
            } finally {
                factory.destroy();
            }
        }
    }

    @Test
    void aSpringFactoryClientWorks(RedisServerProcess redis) {
        LettuceConnectionFactory factory = new LettuceConnectionFactory(
                new RedisStandaloneConfiguration("127.0.0.1", redis.port()));
        factory.afterPropertiesSet();
        factory.start();
        try (RedisIdempotencyStore store = RedisIdempotencyStore.builder()
                .client((RedisClient) factory.getNativeClient()).build()) {
            assertThat(store.ping(Duration.ofSeconds(2))).isEqualTo("PONG");
            assertThat(store.find("foreign#spring-ok")).isEmpty();
        } finally {
            factory.destroy();
        }
    }
}

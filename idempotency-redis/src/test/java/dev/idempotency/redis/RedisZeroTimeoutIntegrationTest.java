package dev.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.redis.testing.RedisExtension;
import dev.idempotency.redis.testing.RedisServerProcess;
import dev.idempotency.store.IdempotencyRecord;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;

/**
 * A client whose {@link RedisURI} timeout is zero: Lettuce reads that as no timeout, and so does the store (a call
 * must not fail "within 0 ms"). The store's own client, made from a URI, refuses it at once instead.
 */
@ExtendWith(RedisExtension.class)
class RedisZeroTimeoutIntegrationTest {

    @Test
    void aClientWithoutATimeoutWorks(RedisServerProcess redis) {
        RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(redis.port())
                .withTimeout(Duration.ZERO).build());
        try (RedisIdempotencyStore store = RedisIdempotencyStore.builder().client(client).build()) {
            Instant now = Instant.now();
            assertThat(store.find("zero#none")).isEmpty();
            assertThat(store.claim(IdempotencyRecord.inProgress("zero#claim", "fp", "token", now.plusSeconds(60),
                    now.plusSeconds(10)), now).isClaimed()).isTrue();
            assertThat(store.ping(Duration.ofSeconds(1))).isEqualTo("PONG");
        } finally {
            client.shutdown();
        }
    }

    @Test
    void aUriWithAZeroTimeoutIsRefusedAtOnce(RedisServerProcess redis) {
        assertThatThrownBy(() -> RedisIdempotencyStore.builder().uri(redis.uri() + "?timeout=0s"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout must be positive");
    }
}

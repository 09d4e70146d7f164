package dev.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.redis.testing.RedisExtension;
import dev.idempotency.redis.testing.RedisServerProcess;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.RecordStatus;

/**
 * A thread that was interrupted (a cancelled future, an executor shutting down) still completes its record: the
 * command may already be on its way, and a completion given up on would hold the key until the lease ends. The
 * interrupt flag is set again afterwards, for the caller to act on.
 */
@ExtendWith(RedisExtension.class)
class RedisInterruptIntegrationTest {

    private RedisIdempotencyStore store;

    @BeforeEach
    void connect(RedisServerProcess redis) {
        store = RedisIdempotencyStore.builder().uri(redis.uri()).build();
    }

    @AfterEach
    void close() {
        Thread.interrupted();
        store.close();
    }

    @Test
    void completesOnAnInterruptedThreadAndKeepsTheFlag() {
        Instant now = Instant.ofEpochSecond(Instant.now().getEpochSecond());
        IdempotencyRecord claim = IdempotencyRecord.inProgress("interrupt#" + UUID.randomUUID(), "fp",
                UUID.randomUUID().toString(), now.plusSeconds(600), now.plusSeconds(60));
        assertThat(store.claim(claim, now).isClaimed()).isTrue();

        Thread.currentThread().interrupt();
        boolean completed = store.complete(claim.finish(RecordStatus.COMPLETED, new byte[] {7}, claim.expiresAt()));

        assertThat(Thread.currentThread().isInterrupted()).isTrue();
        assertThat(completed).isTrue();
        Thread.interrupted();
        assertThat(store.find(claim.id()).orElseThrow().result()).containsExactly(7);
    }
}

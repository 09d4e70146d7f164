package dev.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.redis.testing.RedisExtension;
import dev.idempotency.redis.testing.RedisServerProcess;
import dev.idempotency.store.ClaimResult;
import dev.idempotency.store.IdempotencyRecord;

/**
 * Claims racing with close(): a claim whose reply is lost (it fails with IdempotencyStoreException) may have taken
 * effect. Whatever happened, another store sees a consistent record: either none (its own claim wins) or the lost
 * claim's IN_PROGRESS record with that claim's token (a conflict), never a second claimer for a key already claimed.
 */
@ExtendWith(RedisExtension.class)
class RedisClaimLostToCloseIntegrationTest {

    @Test
    void aClaimWhoseReplyIsLostToCloseLeavesAConsistentRecordForTheDuplicate(RedisServerProcess redis)
            throws Exception {
        try (RedisIdempotencyStore other = RedisIdempotencyStore.builder().uri(redis.uri()).build()) {
            for (int round = 0; round < 15; round++) {
                RedisIdempotencyStore store = RedisIdempotencyStore.builder().uri(redis.uri()).build();
                store.find("lost#warm");
                List<String> ids = new ArrayList<>();
                List<String> tokens = new ArrayList<>();
                List<Boolean> claimed = new ArrayList<>();
                CountDownLatch started = new CountDownLatch(1);
                Thread caller = new Thread(() -> {
                    for (int i = 0; i < 200; i++) {
                        String id = "lost#" + UUID.randomUUID();
                        String token = UUID.randomUUID().toString();
                        Instant now = Instant.now();
                        Boolean result;
                        try {
                            ClaimResult r = store.claim(IdempotencyRecord.inProgress(id, "fp", token,
                                    now.plusSeconds(60), now.plusSeconds(30)), now);
                            result = r.isClaimed();
                        } catch (IdempotencyStoreException lost) {
                            result = null;
                        }
                        synchronized (ids) {
                            ids.add(id);
                            tokens.add(token);
                            claimed.add(result);
                        }
                        started.countDown();
                    }
                });
                caller.start();
                started.await();
                store.close();
                caller.join(10_000);
                assertThat(caller.isAlive()).isFalse();
                synchronized (ids) {
                    for (int i = 0; i < ids.size(); i++) {
                        Optional<IdempotencyRecord> seen = other.find(ids.get(i));
                        Boolean result = claimed.get(i);
                        if (Boolean.TRUE.equals(result)) {
                            assertThat(seen).as("a claim that succeeded").isPresent();
                        }
                        if (seen.isPresent()) {
                            assertThat(seen.get().claimToken()).as("the record's token").isEqualTo(tokens.get(i));
                            Instant now = Instant.now();
                            ClaimResult dup = other.claim(IdempotencyRecord.inProgress(ids.get(i), "fp",
                                    UUID.randomUUID().toString(), now.plusSeconds(60), now.plusSeconds(30)), now);
                            assertThat(dup.isClaimed()).as("a duplicate of a claimed key").isFalse();
                        }
                    }
                }
            }
        }
    }
}

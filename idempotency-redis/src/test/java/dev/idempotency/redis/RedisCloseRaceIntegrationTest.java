package dev.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.redis.testing.RedisExtension;
import dev.idempotency.redis.testing.RedisServerProcess;
import dev.idempotency.store.IdempotencyRecord;

/**
 * Calls that race with {@link RedisIdempotencyStore#close()}, on real threads: each one either succeeds or fails
 * with {@link IdempotencyStoreException}, never with what Lettuce or Netty throw at a command sent on a client that
 * is shutting down, and none hangs.
 */
@ExtendWith(RedisExtension.class)
class RedisCloseRaceIntegrationTest {

    private static final int ROUNDS = 60;
    private static final int THREADS = 15;

    @Test
    void callsRacingWithCloseFailOnlyWithStoreExceptions(RedisServerProcess redis) throws Exception {
        Map<String, Throwable> untyped = new ConcurrentHashMap<>();
        for (int round = 0; round < ROUNDS; round++) {
            RedisIdempotencyStore store = RedisIdempotencyStore.builder().uri(redis.uri()).build();
            assertThat(store.find("race#warm")).isEmpty();
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> callers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int kind = t % 3;
                Thread caller = new Thread(() -> {
                    while (!stop.get()) {
                        try {
                            call(store, kind);
                        } catch (IdempotencyStoreException expected) {
                            // closed: what the engine understands
                        } catch (Throwable e) {
                            untyped.putIfAbsent(e.getClass().getName() + " from " + name(kind), e);
                        }
                    }
                }, "race-caller-" + t);
                caller.start();
                callers.add(caller);
            }
            Thread.sleep(20 + (round % 10) * 3);

            store.close();

            Thread.sleep(50);
            stop.set(true);
            for (Thread caller : callers) {
                caller.join(10_000);
                assertThat(caller.isAlive()).as("a caller still running 10 s after close").isFalse();
            }
        }
        assertThat(untyped).as("what calls racing with close() threw, other than IdempotencyStoreException")
                .isEmpty();
    }

    private static void call(RedisIdempotencyStore store, int kind) {
        Instant now = Instant.now();
        switch (kind) {
            case 0 -> store.find("race#" + UUID.randomUUID());
            case 1 -> store.claim(IdempotencyRecord.inProgress("race#" + UUID.randomUUID(), "fp",
                    UUID.randomUUID().toString(), now.plusSeconds(60), now.plusSeconds(10)), now);
            default -> store.ping(Duration.ofSeconds(1));
        }
    }

    private static String name(int kind) {
        return switch (kind) {
            case 0 -> "find";
            case 1 -> "claim";
            default -> "ping";
        };
    }
}

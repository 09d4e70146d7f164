package dev.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.redis.testing.RedisServerProcess;
import dev.idempotency.store.IdempotencyRecord;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;

/**
 * Closing the store while calls wait for Redis fails each of them with {@link IdempotencyStoreException}, the store
 * failure the engine understands, never with what Lettuce does to the commands it drops: commands sent and not yet
 * answered, and commands it holds while it reconnects.
 */
class RedisCloseIntegrationTest {

    private static final int CALLS = 8;

    @Test
    void failsTheCallsAwaitingRepliesWithStoreExceptionsWhenClosed() throws Exception {
        RedisServerProcess redis = RedisServerProcess.start();
        RedisClient admin = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> control = admin.connect()) {
            // Redis holds every command of other clients now: the store's calls stay in flight.
            assertFailsTheCallsInFlightWhenClosed(redis, () -> control.sync().clientPause(5_000));
        } finally {
            admin.shutdown();
            redis.close();
        }
    }

    @Test
    void failsTheCallsHeldForAReconnectWithStoreExceptionsWhenClosed() throws Exception {
        RedisServerProcess redis = RedisServerProcess.start();
        try {
            // Lettuce holds the commands of a connection that went down until it reconnects.
            assertFailsTheCallsInFlightWhenClosed(redis, redis::close);
        } finally {
            redis.close();
        }
    }

    private static void assertFailsTheCallsInFlightWhenClosed(RedisServerProcess redis, Runnable hold)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CALLS);
        try {
            RedisIdempotencyStore store = RedisIdempotencyStore.builder().uri(redis.uri())
                    .timeout(Duration.ofSeconds(10)).build();
            assertThat(store.find("close#warm")).isEmpty();
            hold.run();
            CountDownLatch sent = new CountDownLatch(CALLS);
            List<Future<Object>> calls = new ArrayList<>();
            for (int i = 0; i < CALLS; i++) {
                calls.add(pool.submit(() -> {
                    Instant now = Instant.now();
                    IdempotencyRecord claim = IdempotencyRecord.inProgress("close#" + UUID.randomUUID(), "fp",
                            UUID.randomUUID().toString(), now.plusSeconds(60), now.plusSeconds(10));
                    sent.countDown();
                    return store.claim(claim, now);
                }));
            }
            sent.await();
            Thread.sleep(300);

            store.close();

            for (Future<Object> call : calls) {
                Throwable failure = null;
                try {
                    call.get();
                } catch (ExecutionException e) {
                    failure = e.getCause();
                }
                assertThat(failure).as("a call in flight at close").isInstanceOf(IdempotencyStoreException.class)
                        .hasMessage("Failed to claim a record: the store is closed.");
            }
        } finally {
            pool.shutdownNow();
        }
    }
}

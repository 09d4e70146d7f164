package dev.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import dev.idempotency.redis.testing.TcpProxy;
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

    /** The connect that the store started when it was built: its callers fail typed, and its connection is closed. */
    @Test
    void failsTheCallsWaitingForTheConnectAndLeavesNoConnectionOpenWhenClosed() throws Exception {
        RedisServerProcess redis = RedisServerProcess.start();
        RedisClient admin = RedisClient.create(redis.uri());
        ExecutorService pool = Executors.newSingleThreadExecutor();
        TcpProxy slow = TcpProxy.start(redis.port(), Duration.ofMillis(500));
        RedisClient application = RedisClient.create(slow.uri());
        try (slow; StatefulRedisConnection<String, String> control = admin.connect()) {
            long clientsBefore = connectedClients(control);
            RedisIdempotencyStore store = RedisIdempotencyStore.builder().client(application).build();
            Future<Object> waiting = pool.submit(() -> store.find("close#connecting"));
            Thread.sleep(100);

            store.close();

            assertThatThrownBy(waiting::get).cause().isInstanceOf(IdempotencyStoreException.class)
                    .hasMessage("Failed to read a record: the store is closed.");
            // The application's client stays up: the connect ends after close, and its connection must not stay.
            Thread.sleep(1_000);
            assertThat(slow.accepted()).isEqualTo(1);
            assertThat(connectedClients(control)).as("connections to Redis after close").isEqualTo(clientsBefore);
        } finally {
            pool.shutdownNow();
            application.shutdown();
            admin.shutdown();
            redis.close();
        }
    }

    private static long connectedClients(StatefulRedisConnection<String, String> control) {
        return control.sync().info("clients").lines().filter(line -> line.startsWith("connected_clients:"))
                .mapToLong(line -> Long.parseLong(line.substring("connected_clients:".length()).trim()))
                .findFirst().orElseThrow();
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

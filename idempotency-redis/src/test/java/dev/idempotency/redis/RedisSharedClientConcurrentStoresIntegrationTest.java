package dev.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.redis.testing.RedisExtension;
import dev.idempotency.redis.testing.RedisServerProcess;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;

/**
 * Many stores on one application client, built and closed concurrently (some closed while their connect is in
 * flight, some while a call runs on another thread): once all are closed, Redis is back to the connections it had
 * before, and the application's client still works.
 */
@ExtendWith(RedisExtension.class)
class RedisSharedClientConcurrentStoresIntegrationTest {

    private static final Duration PATIENCE = Duration.ofSeconds(5);

    @Test
    void leavesNoConnectionBehindWhenManyStoresOnOneClientAreBuiltAndClosedConcurrently(RedisServerProcess redis)
            throws Exception {
        RedisClient shared = RedisClient.create(RedisURI.create(redis.uri()));
        RedisClient admin = RedisClient.create(redis.uri());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (StatefulRedisConnection<String, String> control = admin.connect()) {
            try (RedisIdempotencyStore warm = RedisIdempotencyStore.builder().client(shared).build()) {
                assertThat(warm.find("shared#warm")).isEmpty();
            }
            Thread.sleep(500); // the warm store's connection is gone
            long before = connectedClients(control);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> all = new ArrayList<>();
            for (int i = 0; i < 80; i++) {
                int n = i;
                all.add(pool.submit(() -> {
                    go.await();
                    RedisIdempotencyStore store = RedisIdempotencyStore.builder().client(shared).build();
                    switch (n % 3) {
                        case 0 -> store.close();
                        case 1 -> {
                            store.find("shared#" + n);
                            store.close();
                        }
                        default -> {
                            Thread closer = new Thread(store::close);
                            closer.start();
                            try {
                                store.find("shared#" + n);
                            } catch (IdempotencyStoreException closedUnderIt) {
                                // closed while the call ran: expected
                            }
                            closer.join();
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : all) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertThat(eventually(() -> connectedClients(control) == before))
                    .as("connections to Redis after the stores closed (before: %d, now: %d)", before,
                            connectedClients(control))
                    .isTrue();
            try (StatefulRedisConnection<String, String> still = shared.connect()) {
                assertThat(still.sync().ping()).isEqualTo("PONG");
            }
        } finally {
            pool.shutdownNow();
            shared.shutdown();
            admin.shutdown();
        }
    }

    private static long connectedClients(StatefulRedisConnection<String, String> control) {
        return control.sync().info("clients").lines().filter(line -> line.startsWith("connected_clients:"))
                .mapToLong(line -> Long.parseLong(line.substring("connected_clients:".length()).trim()))
                .findFirst().orElseThrow();
    }

    private static boolean eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(50);
        }
        return condition.getAsBoolean();
    }
}

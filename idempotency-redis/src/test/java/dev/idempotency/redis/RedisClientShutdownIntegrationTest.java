package dev.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.redis.testing.RedisExtension;
import dev.idempotency.redis.testing.RedisServerProcess;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;

/**
 * An application that shuts its own {@link RedisClient} down (as a Spring context does on shutdown) while the store
 * built on it still connects: the store's calls fail at once with {@link IdempotencyStoreException}, within the
 * client's timeout, however the shutdown and the store's background connect interleave.
 */
@ExtendWith(RedisExtension.class)
class RedisClientShutdownIntegrationTest {

    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration PATIENCE = Duration.ofSeconds(5);

    @Test
    void failsWithinTheClientsTimeoutWhenTheClientIsShutDownWhileTheStoreConnects(RedisServerProcess redis)
            throws Exception {
        try (RedisIdempotencyStore warm = RedisIdempotencyStore.builder().uri(redis.uri()).build()) {
            assertThat(warm.find("shutdown#warm")).isEmpty();
        }
        ExecutorService pool = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "shutdown-caller");
            thread.setDaemon(true);
            return thread;
        });
        List<String> hung = new ArrayList<>();
        try {
            for (int i = 0; i < 30; i++) {
                RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1")
                        .withPort(redis.port()).withTimeout(CLIENT_TIMEOUT).build());
                RedisIdempotencyStore store = RedisIdempotencyStore.builder().client(client).build();
                // the application's shutdown lands at some point of the store's connect
                long until = System.nanoTime() + (i % 10) * 200_000L;
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
                client.shutdown();

                for (int call = 1; call <= 2; call++) {
                    Future<Object> find = pool.submit(() -> store.find("shutdown#" + System.nanoTime()));
                    try {
                        find.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (ExecutionException e) {
                        assertThat(e.getCause()).isInstanceOf(IdempotencyStoreException.class);
                    } catch (TimeoutException e) {
                        hung.add("round " + i + ", call " + call);
                    }
                }
                store.close();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(hung).as("calls still waiting %s after the client (timeout %s) was shut down", PATIENCE,
                CLIENT_TIMEOUT).isEmpty();
    }
}

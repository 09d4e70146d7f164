package dev.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.redis.testing.RedisExtension;
import dev.idempotency.redis.testing.RedisServerProcess;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;

/**
 * After {@link RedisIdempotencyStore#close()} returns, a store built from a URI leaves nothing behind: no connect
 * thread, no Lettuce thread, no connection to Redis; whatever the thread that closes it and however soon after the
 * build it is closed.
 */
@ExtendWith(RedisExtension.class)
class RedisCloseLeakIntegrationTest {

    private static final Duration PATIENCE = Duration.ofSeconds(5);

    @Test
    void leavesNoConnectThreadAndNoConnectionWhenClosedRightAfterItIsBuilt(RedisServerProcess redis)
            throws Exception {
        // A store that connected once: the classes are loaded, so the next builds and closes are quick.
        try (RedisIdempotencyStore warm = RedisIdempotencyStore.builder().uri(redis.uri()).build()) {
            assertThat(warm.find("leak#warm")).isEmpty();
        }
        RedisClient admin = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> control = admin.connect()) {
            long clientsBefore = connectedClients(control);
            Set<Thread> before = storeThreads();

            for (int i = 0; i < 20; i++) {
                RedisIdempotencyStore.builder().uri(redis.uri()).build().close();
            }

            assertThat(eventually(() -> newThreads(before).isEmpty()))
                    .as("threads still alive %s after the stores closed: %s", PATIENCE, names(newThreads(before)))
                    .isTrue();
            assertThat(eventually(() -> connectedClients(control) == clientsBefore))
                    .as("connections to Redis after the stores closed (before: %d)", clientsBefore).isTrue();
        } finally {
            admin.shutdown();
        }
    }

    @Test
    void closesOnAnInterruptedThreadWithoutThrowingAndKeepsTheFlag(RedisServerProcess redis) {
        RedisIdempotencyStore store = RedisIdempotencyStore.builder().uri(redis.uri()).build();
        assertThat(store.find("leak#interrupted")).isEmpty();

        Thread.currentThread().interrupt();
        try {
            assertThatCode(store::close).as("close() on an interrupted thread").doesNotThrowAnyException();
            assertThat(Thread.currentThread().isInterrupted()).as("the interrupt flag").isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void stopsItsThreadsWhenClosedOnAnInterruptedThread(RedisServerProcess redis) throws Exception {
        Set<Thread> before = storeThreads();
        RedisIdempotencyStore store = RedisIdempotencyStore.builder().uri(redis.uri()).build();
        assertThat(store.find("leak#interrupted")).isEmpty();

        Thread.currentThread().interrupt();
        try {
            store.close();
        } catch (RuntimeException whatCloseThrows) {
            // the test above is about that; this one is about what stays behind
        } finally {
            Thread.interrupted();
        }
        store.close();

        assertThat(eventually(() -> newThreads(before).isEmpty()))
                .as("threads still alive %s after close: %s", PATIENCE, names(newThreads(before))).isTrue();
    }

    private static Set<Thread> storeThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .filter(t -> t.getName().startsWith("lettuce-") || t.getName().startsWith("idempotency-redis"))
                .collect(Collectors.toCollection(HashSet::new));
    }

    private static Set<Thread> newThreads(Set<Thread> before) {
        Set<Thread> now = storeThreads();
        now.removeAll(before);
        return now;
    }

    private static String names(Set<Thread> threads) {
        return threads.stream().map(Thread::getName).sorted().collect(Collectors.joining(", "));
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

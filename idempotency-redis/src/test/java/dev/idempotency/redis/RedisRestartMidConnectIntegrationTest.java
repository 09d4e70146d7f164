package dev.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.redis.testing.RedisServerProcess;
import dev.idempotency.redis.testing.TcpProxy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;

/**
 * The server crashes while the store's first connect is in flight (held by a slow proxy) and comes back on the same
 * port: a call soon after works, on exactly one connection of the store's, and close() leaves none.
 */
class RedisRestartMidConnectIntegrationTest {

    @Test
    void connectsOnceTheServerIsBackAfterItCrashedUnderTheFirstConnect() throws Exception {
        RedisServerProcess first = RedisServerProcess.start();
        int port = first.port();
        RedisServerProcess second = null;
        try (TcpProxy slow = TcpProxy.start(port, Duration.ofMillis(800))) {
            RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(slow.port())
                    .withTimeout(Duration.ofSeconds(2)).build());
            try {
                RedisIdempotencyStore store = RedisIdempotencyStore.builder().client(client).build();
                Thread.sleep(200);
                first.crash();
                second = RedisServerProcess.start(port, List.of());
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                boolean ok = false;
                IdempotencyStoreException last = null;
                while (!ok && System.nanoTime() < deadline) {
                    try {
                        assertThat(store.find("restart#mid-connect")).isEmpty();
                        ok = true;
                    } catch (IdempotencyStoreException e) {
                        last = e;
                        Thread.sleep(100);
                    }
                }
                assertThat(ok).as("a call after the restart (last failure: %s)", last).isTrue();
                RedisClient admin = RedisClient.create(second.uri());
                try (StatefulRedisConnection<String, String> control = admin.connect()) {
                    Thread.sleep(1500); // any connect still held by the proxy has landed by now
                    assertThat(connectedClients(control)).as("connections: the control's and the store's")
                            .isEqualTo(2);
                    store.close();
                    long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                    while (connectedClients(control) != 1 && System.nanoTime() < until) {
                        Thread.sleep(50);
                    }
                    assertThat(connectedClients(control)).as("connections after close()").isEqualTo(1);
                } finally {
                    admin.shutdown();
                }
            } finally {
                client.shutdown();
            }
        } finally {
            first.close();
            if (second != null) {
                second.close();
            }
        }
    }

    private static long connectedClients(StatefulRedisConnection<String, String> control) {
        return control.sync().info("clients").lines().filter(line -> line.startsWith("connected_clients:"))
                .mapToLong(line -> Long.parseLong(line.substring("connected_clients:".length()).trim()))
                .findFirst().orElseThrow();
    }
}

package dev.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.redis.testing.TcpProxy;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;

/**
 * A Redis server that cannot answer at call time: the store was built without waiting for it (it connects in the
 * background), and a call fails closed with {@link IdempotencyStoreException} within the client's timeout, naming the
 * server, and the body does not run. The engine tries a claim twice, so a silent server holds a call for about twice
 * the timeout.
 */
class RedisUnreachableServerIntegrationTest {

    private static final Duration TIMEOUT = Duration.ofMillis(500);
    /** A silent server takes about 1 s (2 claims of 0.5 s): generous, but bounded. */
    private static final Duration BOUND = Duration.ofSeconds(4);

    private final AtomicInteger runs = new AtomicInteger();

    @Test
    void failsClosedAtOnceWhenNothingListens() throws IOException {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }

        assertFailsClosedWithinTheBound(port, "could not connect to Redis at 127.0.0.1:" + port
                + " (Unable to connect to 127.0.0.1");
    }

    @Test
    void failsClosedWithinTheTimeoutWhenTheServerAcceptsButNeverAnswers() throws IOException {
        // The kernel completes connections to a listening socket even if nobody accepts them: commands go out, and no
        // reply ever comes back.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            assertFailsClosedWithinTheBound(silent.getLocalPort(), "Redis at 127.0.0.1:" + silent.getLocalPort());
        }
    }

    private void assertFailsClosedWithinTheBound(int port, String message) {
        try (RedisIdempotencyStore store = RedisIdempotencyStore.builder()
                .uri("redis://127.0.0.1:" + port).timeout(TIMEOUT).build()) {
            IdempotentOperation<String> operation = Idempotency.builder().store(store).build()
                    .operation("orders.place", String.class)
                    .build();
            long start = System.nanoTime();

            assertThatThrownBy(() -> operation.execute("order-1", "payload", () -> "run " + runs.incrementAndGet()))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageContaining("Failed to claim a record: ")
                    .hasMessageContaining(message);

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(BOUND);
            assertThat(runs).hasValue(0);
        }
    }

    /** The startup line prints the store: describing a cluster store must not ask the cluster anything. */
    @Test
    void describesAClusterStoreWithoutWaitingForTheCluster() throws IOException {
        try (TcpProxy silent = TcpProxy.blackHole()) {
            RedisClusterClient client = RedisClusterClient.create(RedisURI.builder().withHost("127.0.0.1")
                    .withPort(silent.port()).withTimeout(Duration.ofSeconds(5)).build());
            try (RedisIdempotencyStore store = RedisIdempotencyStore.builder().client(client).build()) {
                long start = System.nanoTime();

                String description = store.toString();

                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(500));
                assertThat(description).isEqualTo("RedisIdempotencyStore[Redis Cluster, keyPrefix=idempotency:,"
                        + " maxResultBytes=1048576]");
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }
    }
}

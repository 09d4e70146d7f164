package dev.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.idempotency.redis.testing.TcpProxy;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;

/**
 * The application shuts its cluster client down while the store's connect (the blocking cluster connect on the
 * store's daemon thread) is loading the topology from a seed that accepts but never answers. Once the store is closed
 * and the connect's bound (socket connect timeout plus the seed's timeout) has passed, no connect thread of the
 * store's may be left blocked.
 */
class RedisClusterClientShutdownMidConnectIntegrationTest {

    private static final Duration TIMEOUT = Duration.ofMillis(500);

    @Test
    void leavesNoConnectThreadBlockedAfterTheClusterClientIsShutDownMidConnect() throws Exception {
        long before = connectThreads().size();
        try (TcpProxy silent = TcpProxy.blackHole()) {
            RedisClusterClient client = RedisClusterClient.create(RedisURI.builder().withHost("127.0.0.1")
                    .withPort(silent.port()).withTimeout(TIMEOUT).build());
            RedisIdempotencyStore store = RedisIdempotencyStore.builder().client(client).build();
            long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (silent.accepted() == 0 && System.nanoTime() < until) {
                Thread.sleep(10);
            }
            assertThat(silent.accepted()).as("the connect reached the seed").isPositive();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            store.close();
            // the bound: Lettuce's socket connect timeout (10 s) plus the seed's timeout, generously
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (connectThreads().size() > before && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            List<Thread> left = connectThreads();
            StringBuilder stacks = new StringBuilder();
            for (Thread t : left) {
                stacks.append(t).append('\n');
                for (StackTraceElement e : t.getStackTrace()) {
                    stacks.append("  at ").append(e).append('\n');
                }
            }
            assertThat(left.size()).as("connect threads still alive:\n" + stacks).isLessThanOrEqualTo((int) before);
        }
    }

    private static List<Thread> connectThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals("idempotency-redis-connect")).toList();
    }
}

package dev.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.redis.testing.RedisExtension;
import dev.idempotency.redis.testing.RedisServerProcess;
import dev.idempotency.redis.testing.TcpProxy;

import io.lettuce.core.RedisClient;

/**
 * The store starts connecting when it is built, in the background, so that the first call finds the connection
 * open; every caller shares that one connect, and a connect that failed is tried again at the next call.
 */
@ExtendWith(RedisExtension.class)
class RedisConnectIntegrationTest {

    private static final Duration PATIENCE = Duration.ofSeconds(5);

    @Test
    void startsConnectingWhenBuiltFromAUriBeforeAnyCall(RedisServerProcess redis) throws Exception {
        try (TcpProxy proxy = TcpProxy.start(redis.port(), Duration.ZERO);
                RedisIdempotencyStore store = RedisIdempotencyStore.builder().uri(proxy.uri()).build()) {
            assertThat(eventually(() -> proxy.accepted() == 1)).as("connected before any call").isTrue();

            assertThat(store.find("connect#none")).isEmpty();
            assertThat(proxy.accepted()).isEqualTo(1);
        }
    }

    @Test
    void startsConnectingWhenBuiltFromAClientBeforeAnyCall(RedisServerProcess redis) throws Exception {
        try (TcpProxy proxy = TcpProxy.start(redis.port(), Duration.ZERO)) {
            RedisClient client = RedisClient.create(proxy.uri());
            try (RedisIdempotencyStore store = RedisIdempotencyStore.builder().client(client).build()) {
                assertThat(eventually(() -> proxy.accepted() == 1)).as("connected before any call").isTrue();

                assertThat(store.find("connect#none")).isEmpty();
                assertThat(proxy.accepted()).isEqualTo(1);
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void sharesOneSlowConnectAmongConcurrentFirstCalls(RedisServerProcess redis) throws Exception {
        int threads = 8;
        try (TcpProxy slow = TcpProxy.start(redis.port(), Duration.ofMillis(300));
                RedisIdempotencyStore store = RedisIdempotencyStore.builder().uri(slow.uri()).build()) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Boolean>> calls = new ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    String id = "connect#" + i;
                    calls.add(pool.submit(() -> {
                        start.await();
                        return store.find(id).isEmpty();
                    }));
                }
                start.countDown();
                for (Future<Boolean> call : calls) {
                    assertThat(call.get()).isTrue();
                }
            } finally {
                pool.shutdownNow();
            }

            assertThat(slow.accepted()).isEqualTo(1);
        }
    }

    @Test
    void triesAFailedConnectAgainAtTheNextCall() throws Exception {
        int port = freePort();
        try (RedisIdempotencyStore store = RedisIdempotencyStore.builder().uri("redis://127.0.0.1:" + port)
                .timeout(Duration.ofMillis(500)).build()) {
            assertThatThrownBy(() -> store.find("connect#down"))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageStartingWith("Failed to read a record: could not connect to Redis at 127.0.0.1:"
                            + port + " (");

            RedisServerProcess late = RedisServerProcess.start(port, List.of("--save", "", "--appendonly", "no"));
            try {
                assertThat(store.find("connect#up")).isEmpty();
            } finally {
                late.close();
            }
        }
    }

    private static boolean eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(10);
        }
        return condition.getAsBoolean();
    }

    private static int freePort() throws IOException {
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return free.getLocalPort();
        }
    }
}

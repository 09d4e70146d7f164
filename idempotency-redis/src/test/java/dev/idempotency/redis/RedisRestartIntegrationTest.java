package dev.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotencyInProgressException;
import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.redis.testing.RedisServerProcess;
import dev.idempotency.testing.MutableClock;
import dev.idempotency.testing.RecordingListener;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;

/**
 * A Redis outage in the middle of a run: the server keeps every write in its append-only file before it answers
 * ({@code appendonly yes}, {@code appendfsync always}), is killed ({@code kill -9}, no shutdown) and started again on
 * the same port and directory, while one {@link Idempotency} on one Lettuce client carries on throughout, never
 * rebuilt. Completed records survive and replay; calls during the outage fail closed within the client's timeout.
 */
class RedisRestartIntegrationTest {

    private static final Duration LEASE = Duration.ofSeconds(30);
    /** The client's command timeout: during the outage, each claim attempt waits this long for a reconnect. */
    private static final Duration TIMEOUT = Duration.ofMillis(500);
    /** Two claim attempts of the engine, each bounded by the timeout: generous for a loaded machine. */
    private static final Duration OUTAGE_CALL_BOUND = Duration.ofSeconds(3);

    @TempDir
    private Path dataDirectory;

    private final MutableClock clock = MutableClock.startingNow();
    private final RecordingListener listener = new RecordingListener();
    private final AtomicInteger runs = new AtomicInteger();
    private final ClientResources resources = ClientResources.builder()
            .reconnectDelay(Delay.constant(Duration.ofMillis(50))).build();
    private RedisServerProcess redis;
    private RedisClient client;
    private IdempotentOperation<String> operation;

    private void start(Duration timeout) throws Exception {
        redis = RedisServerProcess.startPersistent(dataDirectory, 0);
        RedisURI uri = RedisURI.create(redis.uri());
        uri.setTimeout(timeout);
        client = RedisClient.create(resources, uri);
        operation = Idempotency.builder()
                .store(RedisIdempotencyStore.builder().client(client).build())
                .config(IdempotencyConfig.builder().clock(clock).lease(LEASE).localCacheEnabled(false).build())
                .listener(listener)
                .build()
                .operation("orders.place", String.class)
                .build();
    }

    @AfterEach
    void stop() {
        client.shutdown();
        resources.shutdown();
        redis.close();
    }

    @Test
    void replaysCompletedRecordsAfterACrashAndFailsClosedDuringTheOutage() throws Exception {
        start(TIMEOUT);
        List<String> firstResults = new ArrayList<>();
        for (int order = 0; order < 20; order++) {
            firstResults.add(place(order));
        }

        redis.crash();
        for (int order : new int[] {0, 19, 20}) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> place(order))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageContaining("Failed to claim a record: Redis at 127.0.0.1:" + redis.port());
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(OUTAGE_CALL_BOUND);
        }
        assertThat(runs).as("no body ran during the outage").hasValue(20);
        redis = RedisServerProcess.startPersistent(dataDirectory, redis.port());

        for (int order = 0; order < 20; order++) {
            assertThat(place(order)).isEqualTo(firstResults.get(order));
        }
        assertThat(runs).as("completed records replayed after the restart").hasValue(20);
        assertThat(place(20)).isEqualTo("order 20, run 21");
        assertThat(listener.count("replayed STORE")).isEqualTo(20);
        assertThat(listener.count("store failure")).isEqualTo(3);
    }

    @Test
    void completesACallWhoseServerRestartsWhileItRunsOnceTheClientReconnects() throws Exception {
        start(Duration.ofSeconds(5));
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try {
            CountDownLatch running = new CountDownLatch(1);
            CountDownLatch finish = new CountDownLatch(1);
            Future<String> call = caller.submit(() -> operation.execute("order-1", "payload", () -> {
                running.countDown();
                finish.await();
                return "order 1, run " + runs.incrementAndGet();
            }));
            assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();

            redis.crash();
            finish.countDown();
            redis = RedisServerProcess.startPersistent(dataDirectory, redis.port());
            assertThat(call.get(30, TimeUnit.SECONDS)).as("the caller gets its result").isEqualTo("order 1, run 1");

            assertThat(operation.execute("order-1", "payload", () -> "order 1, run " + runs.incrementAndGet()))
                    .as("the completion waited for the reconnect and was kept").isEqualTo("order 1, run 1");
            assertThat(runs).hasValue(1);
        } finally {
            caller.shutdownNow();
        }
    }

    @Test
    void keepsTheClaimOfACallThatCompletesDuringALongOutageUntilItsLeaseRunsOut() throws Exception {
        start(TIMEOUT);
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try {
            CountDownLatch running = new CountDownLatch(1);
            CountDownLatch finish = new CountDownLatch(1);
            Future<String> call = caller.submit(() -> operation.execute("order-1", "payload", () -> {
                running.countDown();
                finish.await();
                return "order 1, run " + runs.incrementAndGet();
            }));
            assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();

            redis.crash();
            finish.countDown();
            assertThat(call.get(30, TimeUnit.SECONDS)).as("the caller gets its result").isEqualTo("order 1, run 1");
            redis = RedisServerProcess.startPersistent(dataDirectory, redis.port());

            assertThatThrownBy(() -> operation.execute("order-1", "payload", () -> "order 1, run " + runs.get()))
                    .isInstanceOf(IdempotencyInProgressException.class);
            clock.advance(LEASE);
            assertThat(operation.execute("order-1", "payload", () -> "order 1, run " + runs.incrementAndGet()))
                    .as("the claim survived the crash and the lease ran out: the body runs again")
                    .isEqualTo("order 1, run 2");
        } finally {
            caller.shutdownNow();
        }
    }

    private String place(int order) {
        return operation.execute("order-" + order, "payload " + order,
                () -> "order " + order + ", run " + runs.incrementAndGet());
    }
}

package dev.idempotency.dynamodb;

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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotencyInProgressException;
import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.dynamodb.testing.DynaliteProcess;
import dev.idempotency.testing.MutableClock;
import dev.idempotency.testing.RecordingListener;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * A DynamoDB outage in the middle of a run: dynalite keeps its tables on disk (LevelDB), is stopped as a crash would
 * stop it, and started again on the same port, while one {@link Idempotency} on one {@link DynamoDbClient} carries on
 * throughout, never rebuilt. Completed records survive and replay; calls during the outage fail closed.
 */
class DynamoDbRestartIntegrationTest {

    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final String TABLE = "idempotency-restart";
    /**
     * A refused connection, tried twice by the SDK and twice by the engine, takes well under a second; the bound is
     * generous for a loaded machine, yet below the 10 s and more that DynamoDB's default 9 SDK attempts would take.
     */
    private static final Duration OUTAGE_CALL_BOUND = Duration.ofSeconds(8);

    @TempDir
    private Path dataDirectory;

    private final MutableClock clock = MutableClock.startingNow();
    private final RecordingListener listener = new RecordingListener();
    private final AtomicInteger runs = new AtomicInteger();
    private DynaliteProcess dynalite;
    private DynamoDbClient client;
    private IdempotentOperation<String> operation;

    @BeforeEach
    void startDynaliteOnDisk() throws Exception {
        dynalite = DynaliteProcess.startPersistent(DynaliteProcess.installedHome(), dataDirectory, 0);
        // Few SDK retries: the engine retries each store operation itself (a claim twice, a completion up to 8 times),
        // and DynamoDB's default of 9 SDK attempts with backoff would hold a call in the outage for 10 s and more.
        client = dynalite.clientBuilder()
                .overrideConfiguration(o -> o.apiCallTimeout(Duration.ofSeconds(10))
                        .retryStrategy(r -> r.maxAttempts(2)))
                .build();
        DynamoDbIdempotencyTable.create(client, TABLE);
        operation = Idempotency.builder()
                .store(DynamoDbIdempotencyStore.builder().client(client).tableName(TABLE).build())
                .config(IdempotencyConfig.builder().clock(clock).lease(LEASE).localCacheEnabled(false).build())
                .listener(listener)
                .build()
                .operation("orders.place", String.class)
                .build();
    }

    @AfterEach
    void stopDynalite() {
        client.close();
        dynalite.close();
    }

    @Test
    void replaysCompletedRecordsAfterARestartAndFailsClosedDuringTheOutage() throws Exception {
        List<String> firstResults = new ArrayList<>();
        for (int order = 0; order < 20; order++) {
            firstResults.add(place(order));
        }

        dynalite.close();
        for (int order : new int[] {0, 19, 20}) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> place(order))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageContaining("could not send PutItem to DynamoDB table '" + TABLE + "' at endpoint "
                            + dynalite.endpoint());
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(OUTAGE_CALL_BOUND);
        }
        assertThat(runs).as("no body ran during the outage").hasValue(20);
        dynalite = DynaliteProcess.startPersistent(DynaliteProcess.installedHome(), dataDirectory, dynalite.port());

        for (int order = 0; order < 20; order++) {
            assertThat(place(order)).isEqualTo(firstResults.get(order));
        }
        assertThat(runs).as("completed records replayed after the restart").hasValue(20);
        assertThat(place(20)).isEqualTo("order 20, run 21");
        assertThat(listener.count("replayed STORE")).isEqualTo(20);
        assertThat(listener.count("store failure")).isEqualTo(3);
    }

    @Test
    void keepsTheKeyOfACallThatCompletesDuringTheOutageUntilItsLeaseRunsOut() throws Exception {
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

            dynalite.close();
            finish.countDown();
            assertThat(call.get(30, TimeUnit.SECONDS)).as("the caller gets its result").isEqualTo("order 1, run 1");
            dynalite = DynaliteProcess.startPersistent(DynaliteProcess.installedHome(), dataDirectory,
                    dynalite.port());

            assertThatThrownBy(() -> operation.execute("order-1", "payload", () -> "order 1, run " + runs.get()))
                    .isInstanceOf(IdempotencyInProgressException.class);
            clock.advance(LEASE);
            assertThat(operation.execute("order-1", "payload", () -> "order 1, run " + runs.incrementAndGet()))
                    .as("the claim survived the restart and the lease ran out: the body runs again")
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

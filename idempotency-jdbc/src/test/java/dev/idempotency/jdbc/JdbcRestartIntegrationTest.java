package dev.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.jdbc.testing.PostgresServer;
import dev.idempotency.testing.MutableClock;
import dev.idempotency.testing.RecordingListener;

/**
 * A PostgreSQL outage in the middle of a run: the server is stopped and started again on the same data directory
 * and port, while one {@link Idempotency} on one connection pool carries on throughout, never rebuilt. Completed
 * records survive and replay; calls during the outage fail closed.
 */
class JdbcRestartIntegrationTest {

    /** How long a call waits for a connection while the server is down: twice, since the engine retries a claim. */
    private static final Duration CONNECTION_TIMEOUT = Duration.ofMillis(500);

    private final MutableClock clock = MutableClock.startingNow();
    private final RecordingListener listener = new RecordingListener();
    private final AtomicInteger runs = new AtomicInteger();
    private PostgresServer postgres;
    private javax.sql.DataSource pool;
    private IdempotentOperation<String> operation;

    @BeforeEach
    void startPostgresOnItsOwnDataDirectory() throws Exception {
        Path data = PostgresServer.newParentDirectory().resolve("data");
        postgres = PostgresServer.startPersistent(data, 0);
        pool = postgres.pool(4, CONNECTION_TIMEOUT);
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(pool).build();
        JdbcIdempotencyTable.create(store);
        operation = Idempotency.builder()
                .store(store)
                .config(IdempotencyConfig.builder().clock(clock).localCacheEnabled(false).build())
                .listener(listener)
                .build()
                .operation("orders.place", String.class)
                .build();
    }

    @AfterEach
    void stopPostgres() throws Exception {
        Path parent = postgres.dataDirectory().getParent();
        postgres.close();
        try (var paths = java.nio.file.Files.walk(parent)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void replaysCompletedRecordsAfterARestartAndFailsClosedDuringTheOutage() throws Exception {
        List<String> firstResults = new ArrayList<>();
        for (int order = 0; order < 20; order++) {
            firstResults.add(place(order));
        }

        postgres.stop();
        for (int order : new int[] {0, 20}) {
            assertThatThrownBy(() -> place(order))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageContaining("could not reach PostgreSQL at 127.0.0.1:" + postgres.port() + "/postgres");
        }
        assertThat(runs).as("no body ran during the outage").hasValue(20);
        postgres.restart();
        awaitThePoolsFirstConnection();

        for (int order = 0; order < 20; order++) {
            assertThat(place(order)).isEqualTo(firstResults.get(order));
        }
        assertThat(runs).as("completed records replayed after the restart").hasValue(20);
        assertThat(place(20)).isEqualTo("order 20, run 21");
        assertThat(listener.count("replayed STORE")).isEqualTo(20);
        assertThat(listener.count("store failure")).isEqualTo(2);
    }

    @Test
    void replaysCompletedRecordsAfterACrashThatRecoversFromTheWriteAheadLog() throws Exception {
        List<String> firstResults = new ArrayList<>();
        for (int order = 0; order < 20; order++) {
            firstResults.add(place(order));
        }

        postgres.crash();
        postgres.restart();
        awaitThePoolsFirstConnection();

        for (int order = 0; order < 20; order++) {
            assertThat(place(order)).isEqualTo(firstResults.get(order));
        }
        assertThat(runs).hasValue(20);
    }

    /**
     * The pool's first connection after a restart can take longer than its 500 ms on a loaded machine (a fresh
     * backend, recovery); an application's retry would wait for it too. The records are what this test is about.
     */
    private void awaitThePoolsFirstConnection() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try (java.sql.Connection connection = pool.getConnection()) {
                return;
            } catch (java.sql.SQLException e) {
                assertThat(System.nanoTime()).as("a connection after the restart: %s", e).isLessThan(deadline);
                Thread.sleep(50);
            }
        }
    }

    private String place(int order) {
        return operation.execute("order-" + order, "payload " + order,
                () -> "order " + order + ", run " + runs.incrementAndGet());
    }
}

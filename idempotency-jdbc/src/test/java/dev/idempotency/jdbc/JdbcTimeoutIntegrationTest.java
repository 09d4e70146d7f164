package dev.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.jdbc.testing.PostgresExtension;
import dev.idempotency.jdbc.testing.PostgresServer;
import dev.idempotency.jdbc.testing.SilentProxy;

/**
 * A PostgreSQL that stops answering without closing its sockets: every statement of the store is bounded by
 * {@link JdbcIdempotencyStore.Builder#timeout(Duration)}, so a call fails with an {@link IdempotencyStoreException}
 * within about the timeout, and its body does not run.
 */
@ExtendWith(PostgresExtension.class)
class JdbcTimeoutIntegrationTest {

    @Test
    void failsACallWithinTheTimeoutWhenPostgresqlStopsAnswering(PostgresServer postgres) throws Exception {
        try (SilentProxy proxy = SilentProxy.to(postgres.port());
                Connection connection = DriverManager.getConnection(
                        "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres", "postgres", "")) {
            JdbcIdempotencyStore store = JdbcIdempotencyStore.builder()
                    .dataSource(new SingleConnectionDataSource(connection, true))
                    .tableName(PostgresServer.newTableName()).timeout(Duration.ofSeconds(1)).build();
            JdbcIdempotencyTable.create(store);
            IdempotentOperation<String> operation = Idempotency.builder().store(store).build()
                    .operation("orders.place", String.class).build();
            AtomicInteger runs = new AtomicInteger();

            proxy.silence();
            long start = System.nanoTime();
            CompletableFuture<String> call = CompletableFuture.supplyAsync(() -> operation.execute("o-1", () -> {
                runs.incrementAndGet();
                return "placed";
            }));

            assertThatThrownBy(() -> call.get(15, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(IdempotencyStoreException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("about the timeout, the engine's retry"
                    + " included").isLessThan(Duration.ofSeconds(6));
            assertThat(runs).hasValue(0);
        }
    }

    @Test
    void defaultsToFiveSecondsAndRefusesATimeoutThatIsNotPositive() {
        assertThat(JdbcIdempotencyStore.DEFAULT_TIMEOUT).isEqualTo(Duration.ofSeconds(5));
        assertThat(JdbcIdempotencyStore.builder().dataSource(new SingleConnectionDataSource()).build().toString())
                .contains("timeout=PT5S");
        assertThatThrownBy(() -> JdbcIdempotencyStore.builder().timeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("timeout must be positive, but was PT0S");
    }
}

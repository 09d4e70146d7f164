package dev.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.transaction.support.TransactionTemplate;

import com.zaxxer.hikari.HikariDataSource;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.jdbc.testing.PostgresExtension;
import dev.idempotency.jdbc.testing.PostgresServer;

/**
 * The store's network timeout never stays on a connection it hands back: a DataSource that hands out one physical
 * connection (the application's own network timeout stays), failing statements included, and the caller's
 * transactional connection after a completion that failed in it.
 */
@ExtendWith(PostgresExtension.class)
class JdbcNetworkTimeoutRestoreIntegrationTest {

    private static final int APPLICATION_TIMEOUT = 30_000;

    @Test
    void restoresTheApplicationsNetworkTimeoutOnTheSamePhysicalConnectionAfterCallsAndFailures(
            PostgresServer postgres) throws Exception {
        try (Connection connection = DriverManager.getConnection(postgres.jdbcUrl(), "postgres", "")) {
            connection.setNetworkTimeout(Runnable::run, APPLICATION_TIMEOUT);
            SingleConnectionDataSource single = new SingleConnectionDataSource(connection, true);
            JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(single)
                    .tableName(PostgresServer.newTableName()).timeout(Duration.ofSeconds(3)).build();
            JdbcIdempotencyTable.create(store);
            IdempotentOperation<String> operation = Idempotency.builder().store(store).build()
                    .operation("orders.place", String.class).build();

            assertThat(operation.execute("o-1", () -> "placed")).isEqualTo("placed");
            assertThat(operation.execute("o-1", () -> "again")).isEqualTo("placed");
            assertThatThrownBy(() -> operation.execute("o-2", () -> {
                throw new IllegalStateException("declined");
            })).isInstanceOf(IllegalStateException.class);
            assertThat(connection.getNetworkTimeout()).isEqualTo(APPLICATION_TIMEOUT);
            store.checkTable();
            store.purgeExpired(java.time.Instant.now(), 10);
            assertThat(connection.getNetworkTimeout()).isEqualTo(APPLICATION_TIMEOUT);

            JdbcIdempotencyStore missing = JdbcIdempotencyStore.builder().dataSource(single)
                    .tableName(PostgresServer.newTableName()).timeout(Duration.ofSeconds(3)).build();
            IdempotentOperation<String> failing = Idempotency.builder().store(missing).build()
                    .operation("orders.place", String.class).build();
            assertThatThrownBy(() -> failing.execute("o-1", () -> "placed"))
                    .isInstanceOf(IdempotencyStoreException.class);
            assertThatThrownBy(missing::checkTable).isInstanceOf(IdempotencyStoreException.class);
            assertThat(connection.getNetworkTimeout()).as("failing statements set it back, too")
                    .isEqualTo(APPLICATION_TIMEOUT);
            assertThat(connection.isClosed()).isFalse();
        }
    }

    /**
     * A database the store does not speak (here: a connection whose metadata says MySQL) is refused at the first
     * use, after the store set its network timeout on the connection: the connection goes back to the DataSource
     * (a pool that does not reset network timeouts, or one physical connection) still carrying the store's timeout,
     * so the application's own long statements on it fail after the store's 5 seconds.
     */
    @Test
    void restoresTheNetworkTimeoutWhenTheDatabaseIsRefusedAtFirstUse(PostgresServer postgres) throws Exception {
        try (Connection physical = DriverManager.getConnection(postgres.jdbcUrl(), "postgres", "")) {
            physical.setNetworkTimeout(Runnable::run, APPLICATION_TIMEOUT);
            java.sql.DatabaseMetaData realMetaData = physical.getMetaData();
            java.sql.DatabaseMetaData mysqlMetaData = (java.sql.DatabaseMetaData) java.lang.reflect.Proxy
                    .newProxyInstance(getClass().getClassLoader(), new Class<?>[] {java.sql.DatabaseMetaData.class},
                            (proxy, method, args) -> method.getName().equals("getDatabaseProductName") ? "MySQL"
                                    : invoke(method, realMetaData, args));
            Connection connection = (Connection) java.lang.reflect.Proxy.newProxyInstance(
                    getClass().getClassLoader(), new Class<?>[] {Connection.class},
                    (proxy, method, args) -> method.getName().equals("getMetaData") ? mysqlMetaData
                            : invoke(method, physical, args));
            JdbcIdempotencyStore store = JdbcIdempotencyStore.builder()
                    .dataSource(new SingleConnectionDataSource(connection, true))
                    .tableName(PostgresServer.newTableName()).timeout(Duration.ofSeconds(3)).build();

            assertThatThrownBy(() -> store.find("orders.place#x")).isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageContaining("MySQL");
            assertThat(physical.getNetworkTimeout()).as("the application's network timeout is back")
                    .isEqualTo(APPLICATION_TIMEOUT);
        }
    }

    private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Test
    void restoresTheNetworkTimeoutOfTheCallersTransactionalConnectionWhenTheCompletionFailsInIt(
            PostgresServer postgres) {
        HikariDataSource pool = postgres.pool(3);
        try {
            JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(pool)
                    .tableName(PostgresServer.newTableName()).timeout(Duration.ofSeconds(3))
                    .transactionalCompletion(true).build();
            JdbcIdempotencyTable.create(store);
            IdempotentOperation<String> operation = Idempotency.builder().store(store).build()
                    .operation("orders.place", String.class).build();
            TransactionTemplate transaction = new TransactionTemplate(new DataSourceTransactionManager(pool));
            AtomicReference<Integer> timeoutAfterGoodCompletion = new AtomicReference<>();
            AtomicReference<Integer> timeoutAfterFailedCompletion = new AtomicReference<>();
            AtomicInteger runs = new AtomicInteger();

            transaction.executeWithoutResult(status -> {
                operation.execute("o-1", () -> "placed-" + runs.incrementAndGet());
                timeoutAfterGoodCompletion.set(networkTimeoutOf(pool));
            });
            assertThatThrownBy(() -> transaction.executeWithoutResult(status -> {
                operation.execute("o-2", () -> {
                    runs.incrementAndGet();
                    try {
                        // The transaction fails (PostgreSQL: 25P02 after this), and the body goes on.
                        new JdbcTemplate(pool).execute("SELECT * FROM no_such_table_at_all");
                    } catch (RuntimeException ignored) {
                        // ignored on purpose
                    }
                    return "placed";
                });
                timeoutAfterFailedCompletion.set(networkTimeoutOf(pool));
            })).as("the transaction's work does not commit without its record: a typed failure")
                    .isInstanceOf(IdempotencyStoreException.class);

            assertThat(timeoutAfterGoodCompletion.get()).isZero();
            assertThat(timeoutAfterFailedCompletion.get()).isZero();
            assertThat(store.find("orders.place#" + dev.idempotency.testing.Hashes.sha256("o-2")))
                    .as("the rollback released the claim").isEmpty();
            assertThat(operation.execute("o-2", () -> "retried")).isEqualTo("retried");
        } finally {
            pool.close();
        }
    }

    private static int networkTimeoutOf(HikariDataSource pool) {
        Connection connection = DataSourceUtils.getConnection(pool);
        try {
            return connection.getNetworkTimeout();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        } finally {
            DataSourceUtils.releaseConnection(connection, pool);
        }
    }
}

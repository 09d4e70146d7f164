package dev.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import com.zaxxer.hikari.HikariDataSource;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.jdbc.testing.PostgresExtension;
import dev.idempotency.jdbc.testing.PostgresServer;

/**
 * A read-only transaction's completion is written after its commit, in afterCommit, on the caller's (pooled request)
 * thread; the README bounds its retries by the store's {@code timeout}. When the record's table is locked by another
 * transaction (the write waits), the caller's commit must return within the store's timeout plus the query margin.
 */
@ExtendWith(PostgresExtension.class)
class DeferredCompletionLockWaitIntegrationTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private HikariDataSource pool;
    private IdempotentOperation<String> operation;
    private TransactionTemplate readOnly;
    private String table;

    @BeforeEach
    void start(PostgresServer server) {
        pool = server.pool(6);
        table = PostgresServer.newTableName();
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(pool).tableName(table)
                .timeout(TIMEOUT).transactionalCompletion(true).build();
        JdbcIdempotencyTable.create(store);
        operation = Idempotency.builder().store(store)
                .config(IdempotencyConfig.builder().localCacheEnabled(false).build()).build()
                .operation("orders.place", String.class).ttl(Duration.ofMinutes(1)).build();
        readOnly = new TransactionTemplate(new DataSourceTransactionManager(pool));
        readOnly.setReadOnly(true);
    }

    @AfterEach
    void stop() {
        pool.close();
    }

    @Test
    void returnsFromTheCommitWithinTheStoresTimeoutWhenTheDeferredWriteWaitsOnALock() throws Exception {
        assertCommitBounded("EXCLUSIVE");
    }

    /** Reads wait too: the check whether the write took effect after the last attempt must not add a second wait. */
    @Test
    void returnsFromTheCommitWithinTheStoresTimeoutWhenTheDeferredWriteAndItsCheckWaitOnALock() throws Exception {
        assertCommitBounded("ACCESS EXCLUSIVE");
    }

    private void assertCommitBounded(String mode) throws Exception {
        AtomicInteger runs = new AtomicInteger();
        AtomicLong bodyEnded = new AtomicLong();
        try (Connection locker = pool.getConnection()) {
            locker.setAutoCommit(false);
            String result = readOnly.execute(status -> operation.execute("o-1", () -> {
                try (Statement statement = locker.createStatement()) {
                    // Another transaction holds the table (reads pass, writes wait) while this one commits.
                    statement.execute("LOCK TABLE " + table + " IN " + mode + " MODE");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                bodyEnded.set(System.nanoTime());
                return "placed-" + runs.incrementAndGet();
            }));
            long tookMillis = (System.nanoTime() - bodyEnded.get()) / 1_000_000;
            locker.rollback();
            assertThat(result).isEqualTo("placed-1");
            assertThat(tookMillis).as("the commit (with its deferred completion) returns within the store's timeout"
                    + " plus the query margin").isLessThan(TIMEOUT.plus(JdbcIdempotencyStore.QUERY_MARGIN).toMillis());
        }
    }
}

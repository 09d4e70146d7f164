package dev.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotentOperation;

/**
 * On H2, a deferred completion (read-only transaction, written in afterCommit on the caller's thread) whose row is
 * locked by another transaction: the README bounds its retries by the store's {@code timeout} (here 200 ms); the
 * caller's commit must return within H2's lock timeout (which bounds the one attempt: H2 does not cancel a lock wait
 * at the query timeout) plus the query margin, and make no further attempt past the store's timeout.
 */
class DeferredCompletionLockWaitH2Test {

    private static final Duration TIMEOUT = Duration.ofMillis(200);

    @Test
    void returnsFromTheCommitWithinTheLockTimeoutOfH2WhenTheDeferredWriteWaitsOnARowLock() throws Exception {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(h2).timeout(TIMEOUT)
                .transactionalCompletion(true).build();
        JdbcIdempotencyTable.create(store);
        IdempotentOperation<String> operation = Idempotency.builder().store(store)
                .config(IdempotencyConfig.builder().localCacheEnabled(false).build()).build()
                .operation("orders.place", String.class).build();
        TransactionTemplate readOnly = new TransactionTemplate(new DataSourceTransactionManager(h2));
        readOnly.setReadOnly(true);
        AtomicInteger runs = new AtomicInteger();
        AtomicLong bodyEnded = new AtomicLong();
        try (Connection locker = h2.getConnection()) {
            locker.setAutoCommit(false);
            String result = readOnly.execute(status -> operation.execute("o-1", () -> {
                try (Statement statement = locker.createStatement();
                        ResultSet rows = statement.executeQuery("SELECT * FROM idempotency FOR UPDATE")) {
                    assertThat(rows.next()).isTrue();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                bodyEnded.set(System.nanoTime());
                return "placed-" + runs.incrementAndGet();
            }));
            long tookMillis = (System.nanoTime() - bodyEnded.get()) / 1_000_000;
            locker.rollback();
            assertThat(result).isEqualTo("placed-1");
            // H2 does not cancel a statement that waits for a row lock at its query timeout: the wait is bounded by
            // H2's own LOCK_TIMEOUT, as the README's H2 caveat says; the retries stop at the store's timeout.
            assertThat(tookMillis).as("the commit (with its deferred completion) returns within H2's lock timeout"
                    + " plus the query margin").isLessThan(JdbcIdempotencyStore.H2_LOCK_TIMEOUT_DEFAULT
                    .plus(JdbcIdempotencyStore.QUERY_MARGIN).toMillis());
        }
    }
}

package dev.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.transaction.support.TransactionTemplate;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotentOperation;

/**
 * A read-only transaction's completion is deferred to after its commit. A single transient failure of that write
 * (one connection refused by the pool) is retried on the default path (the engine tries a completion up to 8 times
 * within its settle budget); the deferred write must not be lost to one such failure either, or the body (whose
 * work committed) runs again once the lease ends.
 */
class DeferredCompletionRetryH2Test {

    @Test
    void completesTheDeferredRecordDespiteOneTransientFailureAfterTheCommit() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        AtomicBoolean failNext = new AtomicBoolean();
        DelegatingDataSource flaky = new DelegatingDataSource(h2) {
            @Override
            public Connection getConnection() throws SQLException {
                if (failNext.compareAndSet(true, false)) {
                    throw new SQLTransientConnectionException("pool: connection is not available (once)", "08001");
                }
                return super.getConnection();
            }
        };
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(flaky).transactionalCompletion(true)
                .build();
        JdbcIdempotencyTable.create(store);
        JdbcTemplate jdbc = new JdbcTemplate(h2);
        IdempotentOperation<String> operation = Idempotency.builder().store(store)
                .config(IdempotencyConfig.builder().localCacheEnabled(false).build()).build()
                .operation("orders.place", String.class).build();
        TransactionTemplate readOnly = new TransactionTemplate(new DataSourceTransactionManager(flaky));
        readOnly.setReadOnly(true);
        AtomicInteger runs = new AtomicInteger();

        String first = readOnly.execute(status -> operation.execute("o-1", () -> {
            // The claim committed already; the next connection the store asks for (the deferred completion,
            // after the commit) is refused once.
            failNext.set(true);
            return "placed-" + runs.incrementAndGet();
        }));
        assertThat(first).isEqualTo("placed-1");

        assertThat(jdbc.queryForObject("SELECT status FROM idempotency", String.class))
                .as("the deferred completion, retried after one transient failure, is written")
                .isEqualTo("COMPLETED");
    }
}

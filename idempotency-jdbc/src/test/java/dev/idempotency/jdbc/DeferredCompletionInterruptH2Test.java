package dev.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
 * A deferred completion retried after transient failures, on a thread whose interrupt flag is set (a request
 * thread cancelled while it committed): the retries are not cut short by the interrupt, the record is written, and
 * the flag is kept for the caller.
 */
class DeferredCompletionInterruptH2Test {

    @Test
    void completesTheDeferredRecordOnAnInterruptedThreadAndKeepsTheInterrupt() throws Exception {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        AtomicInteger failures = new AtomicInteger();
        DelegatingDataSource flaky = new DelegatingDataSource(h2) {
            @Override
            public Connection getConnection() throws SQLException {
                if (failures.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
                    throw new SQLTransientConnectionException("pool: connection is not available", "08001");
                }
                return super.getConnection();
            }
        };
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(flaky).transactionalCompletion(true)
                .build();
        JdbcIdempotencyTable.create(store);
        IdempotentOperation<String> operation = Idempotency.builder().store(store)
                .config(IdempotencyConfig.builder().localCacheEnabled(false).build()).build()
                .operation("orders.place", String.class).build();
        TransactionTemplate readOnly = new TransactionTemplate(new DataSourceTransactionManager(flaky));
        readOnly.setReadOnly(true);
        AtomicInteger runs = new AtomicInteger();

        boolean[] interruptedAfter = new boolean[1];
        String first = CompletableFuture.supplyAsync(() -> {
            String result = readOnly.execute(status -> operation.execute("o-1", () -> {
                failures.set(3);
                Thread.currentThread().interrupt();
                return "placed-" + runs.incrementAndGet();
            }));
            interruptedAfter[0] = Thread.interrupted();
            return result;
        }).get(20, TimeUnit.SECONDS);

        assertThat(first).isEqualTo("placed-1");
        assertThat(interruptedAfter[0]).as("the interrupt is kept").isTrue();
        assertThat(new JdbcTemplate(h2).queryForObject("SELECT status FROM idempotency", String.class))
                .isEqualTo("COMPLETED");
        assertThat(operation.execute("o-1", () -> "placed-" + runs.incrementAndGet())).isEqualTo("placed-1");
    }
}

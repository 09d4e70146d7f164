package dev.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotentOperation;

/**
 * A read-only transaction completes its record on a connection of the store's own, committed at once. H2 (like
 * PostgreSQL with {@code readOnlyMode=ignore}) takes read-only as a hint only, so the body's writes go into the
 * transaction: when that transaction rolls back, the record must not replay work that rolled back.
 */
class TransactionalCompletionReadOnlyH2Test {

    @Test
    void runsTheBodyAgainWhenTheReadOnlyTransactionOfItsCompletionRolledBack() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(h2).transactionalCompletion(true)
                .build();
        JdbcIdempotencyTable.create(store);
        JdbcTemplate jdbc = new JdbcTemplate(h2);
        jdbc.execute("CREATE TABLE orders (id VARCHAR(64) NOT NULL)");
        IdempotentOperation<String> operation = Idempotency.builder().store(store)
                .config(IdempotencyConfig.builder().localCacheEnabled(false).build()).build()
                .operation("orders.place", String.class).build();
        TransactionTemplate readOnly = new TransactionTemplate(new DataSourceTransactionManager(h2));
        readOnly.setReadOnly(true);
        AtomicInteger runs = new AtomicInteger();

        readOnly.executeWithoutResult(status -> {
            operation.execute("o-1", () -> {
                jdbc.update("INSERT INTO orders (id) VALUES ('o-1')");
                return "placed-" + runs.incrementAndGet();
            });
            status.setRollbackOnly();
        });
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM orders", Integer.class))
                .as("the transaction rolled the body's row back").isZero();

        String retried = operation.execute("o-1", () -> {
            jdbc.update("INSERT INTO orders (id) VALUES ('o-1')");
            return "placed-" + runs.incrementAndGet();
        });
        assertThat(retried).as("no replay of work that rolled back").isEqualTo("placed-2");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM orders", Integer.class)).isEqualTo(1);
    }
}

package dev.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotentOperation;

/**
 * Guard: PROPAGATION_SUPPORTS / NOT_SUPPORTED (inside an outer transaction) run with synchronization active but no
 * actual transaction, and the body's JdbcTemplate binds a ConnectionHolder for the scope: the completion is written
 * on the store's own connection, committed at once, and a duplicate replays it.
 */
class TransactionalCompletionWithoutActualTransactionH2Test {

    @Test
    void completesOnItsOwnConnectionInSupportsAndNotSupportedScopes() {
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
        DataSourceTransactionManager manager = new DataSourceTransactionManager(h2);
        TransactionTemplate supports = new TransactionTemplate(manager);
        supports.setPropagationBehavior(TransactionDefinition.PROPAGATION_SUPPORTS);
        TransactionTemplate notSupported = new TransactionTemplate(manager);
        notSupported.setPropagationBehavior(TransactionDefinition.PROPAGATION_NOT_SUPPORTED);
        TransactionTemplate required = new TransactionTemplate(manager);
        AtomicInteger runs = new AtomicInteger();

        String first = supports.execute(status -> operation.execute("o-1", () -> {
            jdbc.update("INSERT INTO orders (id) VALUES ('o-1')");
            return "placed-" + runs.incrementAndGet();
        }));
        assertThat(first).isEqualTo("placed-1");
        String second = required.execute(outer -> notSupported.execute(status -> operation.execute("o-2", () -> {
            jdbc.update("INSERT INTO orders (id) VALUES ('o-2')");
            return "placed-" + runs.incrementAndGet();
        })));
        assertThat(second).isEqualTo("placed-2");

        assertThat(jdbc.queryForList("SELECT status FROM idempotency", String.class))
                .containsExactly("COMPLETED", "COMPLETED");
        assertThat(operation.execute("o-1", () -> "ran-again")).isEqualTo("placed-1");
        assertThat(operation.execute("o-2", () -> "ran-again")).isEqualTo("placed-2");
        assertThat(runs).hasValue(2);
    }
}

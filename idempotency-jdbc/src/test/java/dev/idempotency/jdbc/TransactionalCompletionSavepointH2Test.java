package dev.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
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

/** On H2: a retry in the same transaction after a NESTED savepoint took its completion back runs, promptly. */
class TransactionalCompletionSavepointH2Test {

    @Test
    void runsARetryInTheSameTransactionAfterASavepointRollbackPromptly() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(h2).timeout(Duration.ofMillis(500))
                .transactionalCompletion(true).build();
        JdbcIdempotencyTable.create(store);
        new JdbcTemplate(h2).execute("CREATE TABLE orders (id VARCHAR(64) NOT NULL)");
        IdempotentOperation<String> operation = Idempotency.builder().store(store)
                .config(IdempotencyConfig.builder().localCacheEnabled(false).build()).build()
                .operation("orders.place", String.class).build();
        DataSourceTransactionManager manager = new DataSourceTransactionManager(h2);
        TransactionTemplate outer = new TransactionTemplate(manager);
        TransactionTemplate nested = new TransactionTemplate(manager);
        nested.setPropagationBehavior(TransactionDefinition.PROPAGATION_NESTED);
        AtomicInteger runs = new AtomicInteger();
        JdbcTemplate jdbc = new JdbcTemplate(h2);
        long[] took = new long[1];
        String result = outer.execute(s -> {
            nested.executeWithoutResult(inner -> {
                operation.execute("o-1", () -> {
                    jdbc.update("INSERT INTO orders (id) VALUES ('o-1')");
                    return "placed-" + runs.incrementAndGet();
                });
                inner.setRollbackOnly();
            });
            long start = System.nanoTime();
            String retry = operation.execute("o-1", () -> {
                jdbc.update("INSERT INTO orders (id) VALUES ('o-1')");
                return "placed-" + runs.incrementAndGet();
            });
            took[0] = (System.nanoTime() - start) / 1_000_000;
            return retry;
        });
        assertThat(result).isEqualTo("placed-2");
        assertThat(took[0]).as("the retry does not wait on a lock").isLessThan(1000);
        assertThat(operation.execute("o-1", () -> "placed-" + runs.incrementAndGet())).isEqualTo("placed-2");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM orders", Integer.class)).isEqualTo(1);
    }
}

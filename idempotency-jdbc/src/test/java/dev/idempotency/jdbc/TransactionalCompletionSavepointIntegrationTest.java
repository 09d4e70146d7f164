package dev.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

import com.zaxxer.hikari.HikariDataSource;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.jdbc.testing.PostgresExtension;
import dev.idempotency.jdbc.testing.PostgresServer;

/** Savepoints (PROPAGATION_NESTED) around transactional completions, on PostgreSQL. */
@ExtendWith(PostgresExtension.class)
class TransactionalCompletionSavepointIntegrationTest {

    private HikariDataSource pool;
    private IdempotentOperation<String> operation;
    private DataSourceTransactionManager transactions;
    private String ordersTable;
    private final AtomicInteger runs = new AtomicInteger();

    @BeforeEach
    void start(PostgresServer server) {
        pool = server.pool(6);
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(pool)
                .tableName(PostgresServer.newTableName()).timeout(Duration.ofSeconds(2))
                .transactionalCompletion(true).build();
        JdbcIdempotencyTable.create(store);
        operation = Idempotency.builder().store(store)
                .config(IdempotencyConfig.builder().localCacheEnabled(false).build()).build()
                .operation("orders.place", String.class).ttl(Duration.ofMinutes(1)).build();
        transactions = new DataSourceTransactionManager(pool);
        ordersTable = "orders_" + PostgresServer.newTableName();
        new JdbcTemplate(pool).execute("CREATE TABLE " + ordersTable + " (id VARCHAR(64) NOT NULL)");
    }

    @AfterEach
    void stop() {
        pool.close();
    }

    private String place(String key) {
        return operation.execute(key, () -> {
            int run = runs.incrementAndGet();
            new JdbcTemplate(pool).update("INSERT INTO " + ordersTable + " (id) VALUES (?)", key);
            return "placed-" + run;
        });
    }

    private TransactionTemplate template(int propagation) {
        TransactionTemplate template = new TransactionTemplate(transactions);
        template.setPropagationBehavior(propagation);
        return template;
    }

    private int rows() {
        return new JdbcTemplate(pool).queryForObject("SELECT COUNT(*) FROM " + ordersTable, Integer.class);
    }

    /**
     * A NESTED call whose completion was written in its savepoint rolls back: the claim is released at once (the
     * README, item 5). Spring calls {@code savepointRollback} before it rolls back to the savepoint, so a release
     * then, on another connection, waits on the transaction's own row lock (same thread) until the store's network
     * timeout aborts it (2 s here, a pooled connection marked broken). Expected: the savepoint rolls back promptly.
     */
    @Test
    void rollsBackTheSavepointOfACompletionWithoutWaitingOnTheTransactionsOwnRowLock() {
        long[] tookMillis = new long[1];
        template(TransactionDefinition.PROPAGATION_REQUIRED).executeWithoutResult(outer -> {
            long start = System.nanoTime();
            template(TransactionDefinition.PROPAGATION_NESTED).executeWithoutResult(inner -> {
                assertThat(place("o-1")).isEqualTo("placed-1");
                inner.setRollbackOnly();
            });
            tookMillis[0] = (System.nanoTime() - start) / 1_000_000;
        });
        assertThat(tookMillis[0]).as("the rollback to the savepoint does not wait for the store's timeout (2 s)")
                .isLessThan(1000);
        assertThat(place("o-1")).isEqualTo("placed-2");
    }

    /**
     * Nested twice. The completion is written in the inner savepoint, which is released; the outer savepoint
     * then rolls back and takes it: the claim is released at once, and a retry in the same transaction runs.
     */
    @Test
    void runsARetryInTheSameTransactionAfterTheEnclosingSavepointRolledBackTheCompletion() {
        String result = template(TransactionDefinition.PROPAGATION_REQUIRED).execute(outer -> {
            template(TransactionDefinition.PROPAGATION_NESTED).executeWithoutResult(s1 -> {
                template(TransactionDefinition.PROPAGATION_NESTED).executeWithoutResult(s2 ->
                        assertThat(place("o-1")).isEqualTo("placed-1"));
                s1.setRollbackOnly();
            });
            return place("o-1");
        });
        assertThat(result).isEqualTo("placed-2");
        assertThat(rows()).isEqualTo(1);
        assertThat(place("o-1")).as("the retry's completion committed").isEqualTo("placed-2");
        assertThat(runs).hasValue(2);
    }
}

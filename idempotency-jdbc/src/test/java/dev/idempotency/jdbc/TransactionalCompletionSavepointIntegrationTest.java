package dev.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
import dev.idempotency.IdempotencyInProgressException;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.jdbc.testing.PostgresExtension;
import dev.idempotency.jdbc.testing.PostgresServer;

/**
 * Savepoints (PROPAGATION_NESTED) around transactional completions, and what becomes of a claim whose completion a
 * savepoint rollback took back, on PostgreSQL.
 */
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

    private void undoneInSavepoint(String... keys) {
        for (String key : keys) {
            template(TransactionDefinition.PROPAGATION_NESTED).executeWithoutResult(inner -> {
                place(key);
                inner.setRollbackOnly();
            });
        }
    }

    @Test
    void releasesTheUndoneClaimWhenTheOuterTransactionCommitsWithoutARetry() {
        template(TransactionDefinition.PROPAGATION_REQUIRED).executeWithoutResult(outer -> undoneInSavepoint("o-1"));
        assertThat(place("o-1")).isEqualTo("placed-2");
        assertThat(place("o-1")).as("replayed").isEqualTo("placed-2");
        assertThat(runs).hasValue(2);
        assertThat(rows()).isEqualTo(1);
    }

    @Test
    void releasesTheUndoneClaimWhenTheOuterTransactionRollsBack() {
        template(TransactionDefinition.PROPAGATION_REQUIRED).executeWithoutResult(outer -> {
            undoneInSavepoint("o-1");
            outer.setRollbackOnly();
        });
        assertThat(place("o-1")).isEqualTo("placed-2");
        assertThat(place("o-1")).isEqualTo("placed-2");
        assertThat(rows()).isEqualTo(1);
    }

    @Test
    void releasesTwoUndoneKeysOfOneTransactionAndRetriesEachOnceInIt() {
        String[] results = template(TransactionDefinition.PROPAGATION_REQUIRED).execute(outer -> {
            undoneInSavepoint("o-1", "o-2");
            return new String[] {place("o-2"), place("o-1")};
        });
        assertThat(results).containsExactly("placed-3", "placed-4");
        assertThat(place("o-1")).isEqualTo("placed-4");
        assertThat(place("o-2")).isEqualTo("placed-3");
        assertThat(runs).hasValue(4);
        assertThat(rows()).isEqualTo(2);
    }

    @Test
    void answersADuplicateFromAnotherTransactionAsInProgressWhileTheUndoneClaimIsHeldPromptly() throws Exception {
        template(TransactionDefinition.PROPAGATION_REQUIRED).executeWithoutResult(outer -> {
            undoneInSavepoint("o-1");
            long start = System.nanoTime();
            Throwable other = CompletableFuture.supplyAsync(() -> {
                try {
                    template(TransactionDefinition.PROPAGATION_REQUIRED).execute(s -> place("o-1"));
                    return (Throwable) null;
                } catch (Throwable t) {
                    return t;
                }
            }).join();
            assertThat(other).isInstanceOf(IdempotencyInProgressException.class);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1000);
        });
        assertThat(place("o-1")).isEqualTo("placed-2");
        assertThat(runs).hasValue(2);
    }

    @Test
    void runsARetryInTheSameTransactionThatFollowsAnUndoneRetryOfTheSameKey() {
        String result = template(TransactionDefinition.PROPAGATION_REQUIRED).execute(outer -> {
            undoneInSavepoint("o-1", "o-1");
            return place("o-1");
        });
        assertThat(result).isEqualTo("placed-3");
        assertThat(place("o-1")).isEqualTo("placed-3");
        assertThat(rows()).isEqualTo(1);
    }

    @Test
    void runsARetryWithADifferentPayloadInTheSameTransactionAfterTheCompletionWasUndone() {
        String result = template(TransactionDefinition.PROPAGATION_REQUIRED).execute(outer -> {
            template(TransactionDefinition.PROPAGATION_NESTED).executeWithoutResult(inner -> {
                operation.execute("o-1", "payload-a", () -> "placed-" + runs.incrementAndGet());
                inner.setRollbackOnly();
            });
            return operation.execute("o-1", "payload-b", () -> "placed-" + runs.incrementAndGet());
        });
        assertThat(result).as("nothing of the undone call is left: the other payload runs").isEqualTo("placed-2");
        assertThat(operation.execute("o-1", "payload-b", () -> "placed-" + runs.incrementAndGet()))
                .isEqualTo("placed-2");
        assertThat(runs).hasValue(2);
    }

    /**
     * A NESTED call whose completion was written in its savepoint rolls back. Spring calls {@code savepointRollback}
     * before it rolls back to the savepoint, so a release then, on another connection, would wait on the
     * transaction's own row lock (same thread) until the store's network timeout aborts it (2 s here, a pooled
     * connection marked broken): the savepoint must roll back promptly, and the claim go once the lock is gone.
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
     * then rolls back and takes it: a retry in the same transaction runs.
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

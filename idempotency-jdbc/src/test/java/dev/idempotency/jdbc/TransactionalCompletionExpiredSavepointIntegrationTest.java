package dev.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

import com.zaxxer.hikari.HikariDataSource;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.jdbc.testing.PostgresExtension;
import dev.idempotency.jdbc.testing.PostgresServer;

/**
 * A key completed in the transaction expires; a second call claims it again on the transaction's connection inside a
 * NESTED savepoint, which rolls back. A third call in the transaction runs (promptly), and its completion is what
 * commits.
 */
@ExtendWith(PostgresExtension.class)
class TransactionalCompletionExpiredSavepointIntegrationTest {

    private HikariDataSource pool;
    private IdempotentOperation<String> operation;
    private DataSourceTransactionManager transactions;
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
                .operation("orders.place", String.class).ttl(Duration.ofSeconds(1)).build();
        transactions = new DataSourceTransactionManager(pool);
    }

    @AfterEach
    void stop() {
        pool.close();
    }

    private String place() {
        return operation.execute("o-1", () -> "placed-" + runs.incrementAndGet());
    }

    @Test
    void runsAThirdCallAfterTheSavepointOfAnInTransactionReclaimRolledBack() {
        TransactionTemplate outer = new TransactionTemplate(transactions);
        TransactionTemplate nested = new TransactionTemplate(transactions);
        nested.setPropagationBehavior(TransactionDefinition.PROPAGATION_NESTED);
        long[] took = new long[1];
        String third = outer.execute(s -> {
            assertThat(place()).isEqualTo("placed-1");
            sleep(2300);
            nested.executeWithoutResult(inner -> {
                assertThat(place()).isEqualTo("placed-2");
                inner.setRollbackOnly();
            });
            long start = System.nanoTime();
            String result = place();
            took[0] = (System.nanoTime() - start) / 1_000_000;
            return result;
        });
        assertThat(third).isEqualTo("placed-3");
        assertThat(took[0]).isLessThan(1000);
        assertThat(place()).as("the third call's completion committed").isEqualTo("placed-3");
        assertThat(runs).hasValue(3);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
import dev.idempotency.IdempotencyInProgressException;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.jdbc.testing.PostgresExtension;
import dev.idempotency.jdbc.testing.PostgresServer;

/**
 * A claim whose completion a savepoint rollback took back is released lazily (by the next claim of the key in the
 * transaction). If its lease ran out and another call took the key over meanwhile, that release must not touch the
 * other call's claim or record (fenced by the claim token).
 */
@ExtendWith(PostgresExtension.class)
class TransactionalCompletionUndoneTakeoverIntegrationTest {

    private HikariDataSource pool;
    private IdempotentOperation<String> operation;
    private DataSourceTransactionManager transactions;
    private final AtomicInteger runs = new AtomicInteger();

    @BeforeEach
    void start(PostgresServer server) {
        pool = server.pool(8);
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(pool)
                .tableName(PostgresServer.newTableName()).timeout(Duration.ofSeconds(2))
                .transactionalCompletion(true).build();
        JdbcIdempotencyTable.create(store);
        operation = Idempotency.builder().store(store)
                .config(IdempotencyConfig.builder().localCacheEnabled(false).lease(Duration.ofMillis(300)).build())
                .build().operation("orders.place", String.class).ttl(Duration.ofMinutes(1)).build();
        transactions = new DataSourceTransactionManager(pool);
    }

    @AfterEach
    void stop() {
        pool.close();
    }

    private TransactionTemplate template(int propagation) {
        TransactionTemplate template = new TransactionTemplate(transactions);
        template.setPropagationBehavior(propagation);
        return template;
    }

    private void undone(String key) {
        template(TransactionDefinition.PROPAGATION_NESTED).executeWithoutResult(inner -> {
            operation.execute(key, () -> "placed-" + runs.incrementAndGet());
            inner.setRollbackOnly();
        });
    }

    @Test
    void replaysTheTakeoversCompletionToARetryInTheSameTransaction() throws Exception {
        String result = template(TransactionDefinition.PROPAGATION_REQUIRED).execute(outer -> {
            undone("o-1");
            sleep(600);
            String other = CompletableFuture.supplyAsync(
                    () -> operation.execute("o-1", () -> "placed-" + runs.incrementAndGet())).join();
            assertThat(other).isEqualTo("placed-2");
            return operation.execute("o-1", () -> "placed-" + runs.incrementAndGet());
        });
        assertThat(result).isEqualTo("placed-2");
        assertThat(operation.execute("o-1", () -> "placed-" + runs.incrementAndGet())).isEqualTo("placed-2");
        assertThat(runs).hasValue(2);
    }

    @Test
    void leavesTheClaimOfATakeoverInProgressAlone() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        CompletableFuture<String>[] other = new CompletableFuture[1];
        Throwable retry = template(TransactionDefinition.PROPAGATION_REQUIRED).execute(outer -> {
            undone("o-1");
            sleep(600);
            other[0] = CompletableFuture.supplyAsync(() -> operation.execute("o-1", () -> {
                running.countDown();
                try {
                    finish.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return "placed-" + runs.incrementAndGet();
            }));
            try {
                assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return catchThrowable(() -> operation.execute("o-1", () -> "placed-" + runs.incrementAndGet()));
        });
        finish.countDown();
        assertThat(retry).isInstanceOf(IdempotencyInProgressException.class);
        assertThat(other[0].get(10, TimeUnit.SECONDS)).isEqualTo("placed-2");
        assertThat(operation.execute("o-1", () -> "placed-" + runs.incrementAndGet())).isEqualTo("placed-2");
        assertThat(runs).hasValue(2);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}

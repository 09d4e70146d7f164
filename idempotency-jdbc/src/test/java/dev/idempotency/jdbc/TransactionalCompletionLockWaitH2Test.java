package dev.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotencyInProgressException;
import dev.idempotency.IdempotentOperation;

/**
 * On H2 a duplicate that meets the row lock of a transactional completion not yet committed waits H2's lock timeout
 * (2 s by default), then reads the committed row, as the README documents. The store's {@code timeout} (here 200 ms)
 * does not cut that wait short: H2's query timeout is at least its lock timeout plus the query margin, so the lock
 * timeout always wins. The duplicate must get {@link IdempotencyInProgressException} (the committed row is the
 * claim, in progress), never a store error, and not wait past H2's lock timeout plus the query margin.
 */
class TransactionalCompletionLockWaitH2Test {

    private static final Duration TIMEOUT = Duration.ofMillis(200);

    @Test
    void answersADuplicateMeetingAnUncommittedCompletionAsInProgressWithinTheStoresTimeout() throws Exception {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(h2).timeout(TIMEOUT)
                .transactionalCompletion(true).build();
        JdbcIdempotencyTable.create(store);
        IdempotentOperation<String> operation = Idempotency.builder().store(store)
                .config(IdempotencyConfig.builder().localCacheEnabled(false).build()).build()
                .operation("orders.place", String.class).build();
        TransactionTemplate transaction = new TransactionTemplate(new DataSourceTransactionManager(h2));
        CountDownLatch completed = new CountDownLatch(1);
        CountDownLatch mayCommit = new CountDownLatch(1);

        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> transaction.execute(status -> {
            String result = operation.execute("o-1", () -> "placed-1");
            // The completion is written in the transaction, which holds the row lock until it commits.
            completed.countDown();
            try {
                mayCommit.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return result;
        }));
        try {
            assertThat(completed.await(10, TimeUnit.SECONDS)).isTrue();
            long start = System.nanoTime();
            Throwable duplicate = CompletableFuture.supplyAsync(() -> {
                try {
                    operation.execute("o-1", () -> "placed-2");
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            }).get(20, TimeUnit.SECONDS);
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertThat(duplicate).as("the duplicate is told the key is in progress")
                    .isInstanceOf(IdempotencyInProgressException.class);
            assertThat(tookMillis).as("the duplicate's claim is bounded by H2's lock timeout (plus query margin)")
                    .isLessThan(JdbcIdempotencyStore.H2_LOCK_TIMEOUT_DEFAULT
                            .plus(JdbcIdempotencyStore.QUERY_MARGIN).toMillis());
        } finally {
            mayCommit.countDown();
        }
        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("placed-1");
    }
}

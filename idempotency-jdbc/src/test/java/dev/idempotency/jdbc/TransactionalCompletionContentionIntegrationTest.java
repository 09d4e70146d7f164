package dev.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

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
import dev.idempotency.IdempotencyPayloadMismatchException;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.jdbc.testing.PostgresExtension;
import dev.idempotency.jdbc.testing.PostgresServer;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.RecordStatus;
import dev.idempotency.testing.Hashes;
import dev.idempotency.testing.MutableClock;

/**
 * Transactional completion on PostgreSQL where rows are locked, savepoints roll back, and transactions run read-only,
 * repeatable-read or without synchronization, with real Spring transactions (TransactionTemplate on a
 * DataSourceTransactionManager) and a real HikariCP pool.
 */
@ExtendWith(PostgresExtension.class)
class TransactionalCompletionContentionIntegrationTest {

    /** The store's statement timeout in these tests. */
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private PostgresServer postgres;
    private HikariDataSource pool;
    private JdbcIdempotencyStore store;
    private MutableClock clock;
    private IdempotentOperation<String> operation;
    private DataSourceTransactionManager transactions;
    private final AtomicInteger runs = new AtomicInteger();
    private String ordersTable;

    @BeforeEach
    void start(PostgresServer server) {
        postgres = server;
        pool = server.pool(6);
        store = JdbcIdempotencyStore.builder().dataSource(pool).tableName(PostgresServer.newTableName())
                .timeout(TIMEOUT).transactionalCompletion(true).build();
        JdbcIdempotencyTable.create(store);
        clock = MutableClock.at(Instant.parse("2026-01-01T00:00:00Z"));
        Idempotency idempotency = Idempotency.builder().store(store)
                .config(IdempotencyConfig.builder().clock(clock).localCacheEnabled(false).build()).build();
        operation = idempotency.operation("orders.place", String.class).ttl(Duration.ofMinutes(1)).build();
        transactions = new DataSourceTransactionManager(pool);
        ordersTable = "orders_" + PostgresServer.newTableName();
        new JdbcTemplate(pool).execute("CREATE TABLE " + ordersTable + " (id VARCHAR(64) NOT NULL)");
    }

    @AfterEach
    void stop() {
        pool.close();
    }

    private String place(String key, Object payload) {
        return operation.execute(key, payload, () -> {
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

    private int rows(String key) {
        return new JdbcTemplate(pool).queryForObject("SELECT COUNT(*) FROM " + ordersTable + " WHERE id = ?",
                Integer.class, key);
    }

    private IdempotencyRecord record(String key) {
        return store.find("orders.place#" + Hashes.sha256(key)).orElse(null);
    }

    /**
     * Guard: the lease of call A ran out while its body ran in transaction T1; call B took the key over and completed
     * it in its own transaction T2, still running. A's completion (in T1) must not wait on T2's row lock (which would
     * let the store's network timeout abort the caller's own transactional connection, and the rollback fail with a
     * raw TransactionSystemException): PostgreSQL checks the claim token on the committed version first, so A's
     * completion is refused at once, and A's caller gets an IdempotencyException.
     */
    @Test
    void failsTheCallerWhoseLeaseWasTakenOverWithAnIdempotencyExceptionNotABrokenTransactionConnection()
            throws Exception {
        IdempotentOperation<String> shortLease = Idempotency.builder().store(store)
                .config(IdempotencyConfig.builder().clock(clock).localCacheEnabled(false).build()).build()
                .operation("orders.place", String.class).ttl(Duration.ofMinutes(10)).lease(Duration.ofSeconds(10))
                .build();
        CountDownLatch aRunning = new CountDownLatch(1);
        CountDownLatch bCompleted = new CountDownLatch(1);
        CountDownLatch bMayCommit = new CountDownLatch(1);
        CompletableFuture<Object> a = CompletableFuture.supplyAsync(() -> {
            try {
                return template(TransactionDefinition.PROPAGATION_REQUIRED).execute(status ->
                        shortLease.execute("o-1", () -> {
                            aRunning.countDown();
                            await(bCompleted);
                            return "placed-by-a";
                        }));
            } catch (RuntimeException e) {
                return e;
            }
        });
        assertThat(aRunning.await(20, TimeUnit.SECONDS)).isTrue();
        clock.advance(Duration.ofSeconds(20));
        CompletableFuture<Object> b = CompletableFuture.supplyAsync(() -> template(
                TransactionDefinition.PROPAGATION_REQUIRED).execute(status -> {
                    String result = shortLease.execute("o-1", () -> "placed-by-b");
                    bCompleted.countDown();
                    await(bMayCommit);
                    return result;
                }));
        assertThat(bCompleted.await(20, TimeUnit.SECONDS)).isTrue();
        Object outcomeOfA;
        try {
            outcomeOfA = a.get(30, TimeUnit.SECONDS);
        } finally {
            bMayCommit.countDown();
        }
        assertThat(b.get(30, TimeUnit.SECONDS)).isEqualTo("placed-by-b");

        assertThat(outcomeOfA).as("the lease was lost: a typed idempotency failure, the transaction rolled back")
                .isInstanceOf(dev.idempotency.IdempotencyException.class);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The record a transaction completed expires (TTL) before the same transaction calls the key again: the claim of
     * that call must not wait on the row lock of its own transaction. SEMANTICS: after expiresAt a call runs again.
     */
    @Test
    void runsTheBodyAgainWithoutWaitingOnItselfWhenTheCompletionOfItsOwnTransactionExpired() {
        AtomicReference<Object> second = new AtomicReference<>();
        long start = System.nanoTime();
        template(TransactionDefinition.PROPAGATION_REQUIRED).executeWithoutResult(status -> {
            place("o-1", "10");
            clock.advance(Duration.ofMinutes(2));
            try {
                second.set(place("o-1", "10"));
            } catch (RuntimeException e) {
                second.set(e);
            }
        });
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(second.get()).as("the expired record counts no more: the call runs again").isEqualTo("placed-2");
        assertThat(took).as("never waits on its own transaction's row lock").isLessThan(TIMEOUT);
    }

    /**
     * A REQUIRES_NEW transaction inside the transaction that completed the key (not committed yet) calls the key
     * again: the outer transaction is suspended, and holds the row lock; the duplicate must get
     * IdempotencyInProgressException at once (the completion is not durable), not wait on the suspended
     * transaction, which can never go on until it returns.
     */
    @Test
    void givesADuplicateInARequiresNewTransactionInsideTheCompletingOneInProgressWithoutWaitingForIt() {
        AtomicReference<Object> inner = new AtomicReference<>();
        AtomicReference<Duration> took = new AtomicReference<>();
        template(TransactionDefinition.PROPAGATION_REQUIRED).executeWithoutResult(outer -> {
            place("o-1", "10");
            long start = System.nanoTime();
            try {
                inner.set(template(TransactionDefinition.PROPAGATION_REQUIRES_NEW)
                        .execute(status -> place("o-1", "10")));
            } catch (RuntimeException e) {
                inner.set(e);
            }
            took.set(Duration.ofNanos(System.nanoTime() - start));
        });

        assertThat(inner.get()).as("the outer completion is not committed: in progress (409)")
                .isInstanceOf(IdempotencyInProgressException.class);
        assertThat(took.get()).as("without waiting on the suspended transaction's row lock").isLessThan(TIMEOUT);
        assertThat(runs).hasValue(1);
    }

    /**
     * A transaction completed the key and keeps working before it commits; a concurrent duplicate (another thread)
     * sees the committed claim (IN_PROGRESS, live lease), which the store's doc promises ("so concurrent duplicates
     * see it"), and must get IdempotencyInProgressException (409) at once, not sit on the row lock for the whole
     * timeout and fail as if the database were unreachable.
     */
    @Test
    void givesAConcurrentDuplicateInProgressAtOnceWhileTheCompletingTransactionIsStillRunning() throws Exception {
        CountDownLatch completed = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> template(
                TransactionDefinition.PROPAGATION_REQUIRED).execute(status -> {
                    String result = place("o-1", "10");
                    completed.countDown();
                    try {
                        // The rest of the transaction's work, after the idempotent call.
                        finish.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return result;
                }));
        assertThat(completed.await(20, TimeUnit.SECONDS)).isTrue();

        long start = System.nanoTime();
        Object duplicate;
        try {
            duplicate = place("o-1", "10");
        } catch (RuntimeException e) {
            duplicate = e;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        finish.countDown();
        assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo("placed-1");

        assertThat(duplicate).as("the committed state is IN_PROGRESS with a live lease: 409")
                .isInstanceOf(IdempotencyInProgressException.class);
        assertThat(took).isLessThan(TIMEOUT);
        assertThat(runs).hasValue(1);
    }

    /**
     * A NESTED savepoint rolled back the body's rows and the completion with them; the outer transaction goes on and
     * retries the same request: nothing of the first call is left, so the retry must run (not be refused as in
     * progress by a claim whose work is gone).
     */
    @Test
    void runsARetryInTheSameTransactionAfterTheSavepointOfTheCompletionRolledBack() {
        AtomicReference<Object> retry = new AtomicReference<>();
        template(TransactionDefinition.PROPAGATION_REQUIRED).executeWithoutResult(outer -> {
            try {
                template(TransactionDefinition.PROPAGATION_NESTED).executeWithoutResult(nested -> {
                    place("o-1", "10");
                    throw new IllegalStateException("the stock reservation failed");
                });
            } catch (IllegalStateException expected) {
                // The savepoint rolled back.
            }
            try {
                retry.set(place("o-1", "10"));
            } catch (RuntimeException e) {
                retry.set(e);
            }
        });

        assertThat(retry.get()).as("the first call's work is gone: the retry runs").isEqualTo("placed-2");
        assertThat(rows("o-1")).isEqualTo(1);
        assertThat(record("o-1")).extracting(IdempotencyRecord::status).isEqualTo(RecordStatus.COMPLETED);
    }

    /**
     * A transaction manager that runs without transaction synchronization (SYNCHRONIZATION_NEVER, a documented
     * setting): the transaction on the store's DataSource is there (its connection is bound), but the store does not
     * see it, completes on a connection of its own and commits the record at once. When the transaction rolls back,
     * a duplicate must not replay work that rolled back: the store should join the transaction or refuse the call
     * (as for a transaction on another resource).
     */
    @Test
    void neverReplaysTheWorkOfATransactionWithoutSynchronizationThatRolledBack() {
        DataSourceTransactionManager unsynchronized = new DataSourceTransactionManager(pool);
        unsynchronized.setTransactionSynchronization(
                org.springframework.transaction.support.AbstractPlatformTransactionManager.SYNCHRONIZATION_NEVER);
        AtomicReference<Object> first = new AtomicReference<>();
        new TransactionTemplate(unsynchronized).executeWithoutResult(status -> {
            try {
                first.set(place("o-1", "10"));
            } catch (RuntimeException e) {
                first.set(e);
            }
            status.setRollbackOnly();
        });
        assertThat(rows("o-1")).as("the transaction rolled the body's row back").isZero();

        Object retry;
        try {
            retry = place("o-1", "10");
        } catch (RuntimeException e) {
            retry = e;
        }
        // The store refuses the call (the test's "or refuse the call"): the body never ran, so the retry is the
        // body's first run ("placed-1" from a fresh run, not a replay of work that rolled back).
        assertThat(first.get()).as("refused before the body runs, naming the setting")
                .isInstanceOf(dev.idempotency.IdempotencyStoreException.class)
                .extracting(Object::toString).asString().contains("SYNCHRONIZATION_NEVER");
        assertThat(retry).as("first call: %s; the retry runs the body, never replays", first.get())
                .isEqualTo("placed-1");
        assertThat(runs).as("the body ran once: in the retry").hasValue(1);
        assertThat(rows("o-1")).as("the retry's row, committed").isEqualTo(1);
    }

    /**
     * A REPEATABLE READ (or SERIALIZABLE) transaction that read something before the idempotent call took its
     * snapshot before the claim committed on the store's own connection: the completion UPDATE in that transaction
     * cannot see the claim, writes nothing, and the commit is refused as if the lease had been taken over. The body
     * ran, its work rolls back, and every retry of the same pattern fails the same way: an equal request is refused
     * for ever.
     */
    @Test
    void completesInARepeatableReadTransactionThatReadBeforeTheCall() {
        TransactionTemplate repeatableRead = template(TransactionDefinition.PROPAGATION_REQUIRED);
        repeatableRead.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
        Object outcome;
        try {
            outcome = repeatableRead.execute(status -> {
                // The facade's read: it takes the transaction's snapshot.
                rows("o-1");
                return place("o-1", "10");
            });
        } catch (RuntimeException e) {
            outcome = e;
        }

        assertThat(outcome).isEqualTo("placed-1");
        assertThat(rows("o-1")).isEqualTo(1);
        assertThat(record("o-1")).extracting(IdempotencyRecord::status).isEqualTo(RecordStatus.COMPLETED);
        assertThat(place("o-1", "10")).isEqualTo("placed-1");
    }

    /**
     * Guard: another synchronization, ordered before the store's, fails in beforeCommit: the transaction rolls back,
     * the claim is released, and a retry runs the body again rather than replaying.
     */
    @Test
    void runsARetryWhenAnotherSynchronizationFailsTheCommitBeforeTheStoresOwn() {
        assertThatThrownBy(() -> template(TransactionDefinition.PROPAGATION_REQUIRED).executeWithoutResult(status -> {
            org.springframework.transaction.support.TransactionSynchronizationManager.registerSynchronization(
                    new org.springframework.transaction.support.TransactionSynchronization() {
                        @Override
                        public int getOrder() {
                            return 0;
                        }

                        @Override
                        public void beforeCommit(boolean readOnly) {
                            throw new IllegalStateException("the outbox refused the commit");
                        }
                    });
            place("o-1", "10");
        })).isInstanceOf(IllegalStateException.class).hasMessage("the outbox refused the commit");

        assertThat(rows("o-1")).isZero();
        assertThat(record("o-1")).as("released after the rollback").isNull();
        assertThat(place("o-1", "10")).isEqualTo("placed-2");
    }

    /**
     * Guard: the database refuses the commit itself (a deferred constraint): Spring reports it as its own
     * TransactionSystemException (not the store's), the claim is released (STATUS_UNKNOWN), and a retry runs.
     */
    @Test
    void runsARetryWhenTheDatabaseRefusesTheCommitOfTheCompletingTransaction() {
        String unique = "u_" + PostgresServer.newTableName();
        new JdbcTemplate(pool).execute("CREATE TABLE " + unique + " (id VARCHAR(64) NOT NULL,"
                + " CONSTRAINT " + unique + "_id UNIQUE (id) DEFERRABLE INITIALLY DEFERRED)");
        AtomicInteger bodyRuns = new AtomicInteger();
        assertThatThrownBy(() -> template(TransactionDefinition.PROPAGATION_REQUIRED).executeWithoutResult(status ->
                operation.execute("o-1", () -> {
                    new JdbcTemplate(pool).update("INSERT INTO " + unique + " (id) VALUES ('dup'), ('dup')");
                    return "placed-" + bodyRuns.incrementAndGet();
                }))).isInstanceOf(org.springframework.transaction.TransactionSystemException.class);

        assertThat(record("o-1")).as("the commit failed: the claim was released").isNull();
        assertThat(operation.execute("o-1", () -> "placed-" + bodyRuns.incrementAndGet())).isEqualTo("placed-2");
    }

    /**
     * Guard: in one transaction the first call's body throws (its claim is released) and the caller goes on and calls
     * the key again: the second call runs and commits with the transaction, and replays after.
     */
    @Test
    void runsTheSecondCallOfAKeyInTheTransactionWhereTheFirstCallThrew() {
        AtomicReference<String> second = new AtomicReference<>();
        template(TransactionDefinition.PROPAGATION_REQUIRED).executeWithoutResult(status -> {
            assertThatThrownBy(() -> operation.execute("o-1", "10", () -> {
                runs.incrementAndGet();
                throw new IllegalStateException("declined");
            })).isInstanceOf(IllegalStateException.class);
            second.set(place("o-1", "10"));
        });

        assertThat(second.get()).isEqualTo("placed-2");
        assertThat(rows("o-1")).isEqualTo(1);
        assertThat(place("o-1", "10")).isEqualTo("placed-2");
        assertThat(runs).hasValue(2);
    }

    /** Guard: the same key with another payload in the transaction that completed it is a mismatch, not a replay. */
    @Test
    void refusesAnotherPayloadOfAKeyCompletedInTheSameTransaction() {
        AtomicReference<Object> second = new AtomicReference<>();
        template(TransactionDefinition.PROPAGATION_REQUIRED).executeWithoutResult(status -> {
            place("o-1", "10");
            try {
                second.set(place("o-1", "99"));
            } catch (RuntimeException e) {
                second.set(e);
            }
        });

        assertThat(second.get()).isInstanceOf(IdempotencyPayloadMismatchException.class);
        assertThat(runs).hasValue(1);
        assertThat(rows("o-1")).isEqualTo(1);
    }

    /** Guard: a NESTED savepoint that committed, then an outer rollback: the completion goes with the outer. */
    @Test
    void runsARetryWhenTheOuterTransactionRolledBackAfterTheNestedOneOfTheCompletionCommitted() {
        template(TransactionDefinition.PROPAGATION_REQUIRED).executeWithoutResult(outer -> {
            template(TransactionDefinition.PROPAGATION_NESTED).executeWithoutResult(nested -> place("o-1", "10"));
            outer.setRollbackOnly();
        });

        assertThat(rows("o-1")).isZero();
        assertThat(record("o-1")).as("released after the rollback").isNull();
        assertThat(place("o-1", "10")).isEqualTo("placed-2");
    }

    /** Guard: REQUIRES_NEW inside an outer transaction that rolls back: the inner commit stands, and replays. */
    @Test
    void replaysTheCompletionOfARequiresNewTransactionWhoseOuterOneRolledBack() {
        template(TransactionDefinition.PROPAGATION_REQUIRED).executeWithoutResult(outer -> {
            template(TransactionDefinition.PROPAGATION_REQUIRES_NEW).executeWithoutResult(inner -> place("o-1", "10"));
            outer.setRollbackOnly();
        });

        assertThat(rows("o-1")).isEqualTo(1);
        assertThat(place("o-1", "10")).isEqualTo("placed-1");
        assertThat(runs).hasValue(1);
    }

    DataSource pool() {
        return pool;
    }
}

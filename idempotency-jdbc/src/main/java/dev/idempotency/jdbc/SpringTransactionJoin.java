package dev.idempotency.jdbc;

import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.datasource.ConnectionHolder;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.store.ClaimResult;
import dev.idempotency.store.IdempotencyRecord;

/**
 * Transactional completion through Spring: the transaction that a {@code DataSourceTransactionManager} (or a
 * {@code JpaTransactionManager} on the same DataSource) bound to the store's DataSource. The completion runs on the
 * transaction's connection, and a synchronization then
 *
 * <ul>
 *   <li>before commit, refuses to commit when the completion was not written (the lease was taken over, or the
 *       store failed), so that the transaction's work never commits without its record;</li>
 *   <li>after commit, runs what waited for the record to be durable (the engine's local cache);</li>
 *   <li>after a rollback, releases the claim on a connection of its own, so that a retry runs at once.</li>
 * </ul>
 *
 * <p>A transaction whose connection could not write the completion is <em>deferred</em>: a read-only one (which
 * PostgreSQL refuses the {@code UPDATE}, and whose writes H2 or {@code readOnlyMode=ignore} still roll back with it),
 * and a {@code REPEATABLE READ} or {@code SERIALIZABLE} one (whose snapshot, taken before the claim committed, lacks
 * the claim). Its completion is written on a connection of the store's own after the transaction commits, and
 * released after a rollback; nothing replays it before it is written.
 *
 * <p>A savepoint ({@code PROPAGATION_NESTED}) that was made before the completion and rolls back takes the
 * completion back with the body's rows: the synchronization hears of it ({@code savepointRollback}), and runs
 * nothing that waited for the record. It hears of it before the database rolls back to the savepoint, while the
 * transaction still holds the row lock, so it only marks the completion undone: the claim is released on a
 * connection of the store's own once the lock is gone, by the next claim of that key in the transaction
 * ({@link #releaseUndone}), so that a retry in the same transaction runs, or after the transaction ends. A duplicate
 * within the transaction
 * that completed its key is answered from that completion ({@link #completedInTransaction}); once that completion
 * expired, the duplicate claims on the transaction's connection ({@link #claimInTransaction}), which holds the row
 * lock a claim on another connection would wait for.
 *
 * <p>A transaction on the store's DataSource without synchronization (a transaction manager set to
 * {@code SYNCHRONIZATION_NEVER}) cannot be joined, and is refused before the body runs.
 */
final class SpringTransactionJoin implements TransactionJoin {

    private static final Logger log = LoggerFactory.getLogger(SpringTransactionJoin.class);
    /** How many times a deferred completion is tried after the commit, as the engine tries a completion. */
    static final int DEFERRED_COMPLETE_ATTEMPTS = 8;
    private static final long DEFERRED_BACKOFF_MILLIS = 5;
    private static final long DEFERRED_MAX_BACKOFF_MILLIS = 100;

    private final JdbcIdempotencyStore store;
    private final DataSource dataSource;

    SpringTransactionJoin(JdbcIdempotencyStore store, DataSource dataSource) {
        this.store = store;
        this.dataSource = dataSource;
    }

    /**
     * The DataSource behind Spring's {@link TransactionAwareDataSourceProxy}s: inside a transaction the proxy hands
     * out the transaction's connection, so the store's own work (a claim, committed at once) would commit the
     * caller's transaction, or be rolled back with it. Transactions are bound to the target, too
     * ({@code DataSourceTransactionManager} unwraps the proxy).
     */
    static DataSource unwrap(DataSource dataSource) {
        DataSource unwrapped = dataSource;
        while (unwrapped instanceof TransactionAwareDataSourceProxy proxy) {
            unwrapped = proxy.getTargetDataSource();
            if (unwrapped == null) {
                throw new IllegalStateException("the TransactionAwareDataSourceProxy given as the store's DataSource"
                        + " has no target DataSource");
            }
        }
        return unwrapped;
    }

    @Override
    public void checkClaim() {
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            if (TransactionSynchronizationManager.getResource(dataSource) instanceof ConnectionHolder) {
                // A transaction manager bound the connection of a transaction, without synchronization: the record
                // would commit at once and apart from the transaction's work, which may roll back.
                throw unsynchronized();
            }
            return;
        }
        if (TransactionSynchronizationManager.isActualTransactionActive() && !isOnTheStoresDataSource()) {
            throw elsewhere();
        }
    }

    @Override
    public void releaseUndone(String id) {
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            return;
        }
        for (TransactionSynchronization synchronization : TransactionSynchronizationManager.getSynchronizations()) {
            if (synchronization instanceof Completion completion && completion.owner() == this
                    && completion.id.equals(id) && completion.undone && !completion.released
                    && !completion.claimedInTransaction) {
                // The savepoint rollback that took the completion back has happened by now, and with it the row lock
                // of the transaction: the release on a connection of the store's own does not wait on it.
                completion.releaseNow("a retry in the same transaction claims the key again");
            }
        }
    }

    @Override
    public @Nullable Boolean complete(IdempotencyRecord finished) {
        if (!TransactionSynchronizationManager.isActualTransactionActive()
                || !TransactionSynchronizationManager.isSynchronizationActive()) {
            if (TransactionSynchronizationManager.getResource(dataSource) instanceof ConnectionHolder
                    && !TransactionSynchronizationManager.isSynchronizationActive()) {
                throw unsynchronized();
            }
            return null;
        }
        if (!isOnTheStoresDataSource()) {
            throw elsewhere();
        }
        Completion completion = completionOf(finished);
        if (completion == null) {
            completion = new Completion(finished.id(), finished.claimToken(), isDeferred());
            TransactionSynchronizationManager.registerSynchronization(completion);
        }
        completion.written = false;
        completion.undone = false;
        completion.savepointsAfter.clear();
        if (completion.deferred) {
            // Written after the commit, on a connection of the store's own; released after a rollback.
            completion.record = finished;
            completion.written = true;
            return true;
        }
        Connection connection = DataSourceUtils.getConnection(dataSource);
        try {
            boolean done = store.completeOn(connection, finished);
            completion.written = done;
            completion.record = done ? finished : null;
            return done;
        } finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
    }

    /**
     * Whether the current transaction's completion waits for its commit: a read-only transaction (nothing of it may
     * commit at once, and it may refuse the write), or one whose isolation keeps a snapshot that may lack the claim.
     * Spring's own record of the transaction answers, without a round trip to the database.
     */
    private static boolean isDeferred() {
        if (TransactionSynchronizationManager.isCurrentTransactionReadOnly()) {
            return true;
        }
        Integer isolation = TransactionSynchronizationManager.getCurrentTransactionIsolationLevel();
        return isolation != null && (isolation == Connection.TRANSACTION_REPEATABLE_READ
                || isolation == Connection.TRANSACTION_SERIALIZABLE);
    }

    @Override
    public @Nullable IdempotencyRecord completedInTransaction(String id) {
        Completion latest = latestCompletion(id);
        return latest != null ? latest.record : null;
    }

    /** The last completion of {@code id} that the current transaction wrote and still holds. */
    private @Nullable Completion latestCompletion(String id) {
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            return null;
        }
        Completion latest = null;
        for (TransactionSynchronization synchronization : TransactionSynchronizationManager.getSynchronizations()) {
            if (synchronization instanceof Completion completion && completion.owner() == this
                    && completion.id.equals(id) && completion.written && !completion.undone
                    && completion.record != null) {
                latest = completion;
            }
        }
        return latest;
    }

    @Override
    public @Nullable ClaimResult claimInTransaction(IdempotencyRecord record, Instant now) {
        Completion holding = latestCompletion(record.id());
        if (holding == null || holding.deferred) {
            // A deferred completion wrote nothing yet: no row lock of the transaction's stands in the way.
            return null;
        }
        Connection connection = DataSourceUtils.getConnection(dataSource);
        try {
            ClaimResult result = store.claimOn(connection, record, now);
            if (result.isClaimed()) {
                Completion claim = new Completion(record.id(), record.claimToken(), false);
                claim.claimedInTransaction = true;
                TransactionSynchronizationManager.registerSynchronization(claim);
            }
            return result;
        } finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
    }

    @Override
    public @Nullable Boolean release(String id, String claimToken) {
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            return null;
        }
        Completion claim = completionOf(id, claimToken);
        if (claim == null || !claim.claimedInTransaction) {
            return null;
        }
        Connection connection = DataSourceUtils.getConnection(dataSource);
        try {
            boolean released = store.releaseOn(connection, id, claimToken);
            claim.released = true;
            claim.written = false;
            claim.record = null;
            return released;
        } finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
    }

    @Override
    public boolean whenDurable(IdempotencyRecord finished, Runnable action) {
        Completion completion = completionOf(finished);
        if (completion == null || !completion.written) {
            return false;
        }
        completion.whenCommitted.add(action);
        return true;
    }

    private boolean isOnTheStoresDataSource() {
        return TransactionSynchronizationManager.getResource(dataSource) instanceof ConnectionHolder;
    }

    private IdempotencyStoreException elsewhere() {
        return new IdempotencyStoreException("The call runs in a transaction that is not on the DataSource of "
                + store + ", so its record could not complete in that transaction (transactional completion). Run"
                + " the method in a transaction of a transaction manager on the store's DataSource"
                + " (DataSourceTransactionManager, or JpaTransactionManager with that DataSource), or turn"
                + " transactional completion off for this store.", null);
    }

    private IdempotencyStoreException unsynchronized() {
        return new IdempotencyStoreException("The call runs in a transaction on the DataSource of " + store
                + " whose transaction manager runs without transaction synchronization (SYNCHRONIZATION_NEVER), so"
                + " its record could not complete in that transaction (transactional completion), and would commit"
                + " apart from the transaction's work. Leave the transaction manager's transactionSynchronization at"
                + " its default (SYNCHRONIZATION_ALWAYS or SYNCHRONIZATION_ON_ACTUAL_TRANSACTION), or turn"
                + " transactional completion off for this store.", null);
    }

    /** This store's completion of {@code finished} in the current transaction, if it registered one. */
    private @Nullable Completion completionOf(IdempotencyRecord finished) {
        return completionOf(finished.id(), finished.claimToken());
    }

    private @Nullable Completion completionOf(String id, String claimToken) {
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            return null;
        }
        List<TransactionSynchronization> synchronizations = TransactionSynchronizationManager.getSynchronizations();
        for (TransactionSynchronization synchronization : synchronizations) {
            if (synchronization instanceof Completion completion && completion.owner() == this
                    && completion.id.equals(id) && completion.claimToken.equals(claimToken)) {
                return completion;
            }
        }
        return null;
    }

    /**
     * Writes a deferred completion after its transaction committed, on a connection of the store's own. The body's
     * work committed already, so a completion lost here lets a retry run the body again once the lease ends: as the
     * engine does for a completion on its own path, transient failures are retried, a few times with a short
     * backoff and within the store's timeout, never waiting without bound; a write that took effect although it
     * looked failed (a lost answer) is recognised by our claim token and the finished status.
     *
     * @return whether the record holds the completion
     */
    boolean completeDeferred(IdempotencyRecord finished) {
        // The thread's interrupt flag is set aside meanwhile (as the store does for its connections): the backoff
        // is short and bounded, and a completion of committed work must not be lost to an interrupt.
        boolean interrupted = Thread.interrupted();
        try {
            return completeDeferredAttempts(finished);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private boolean completeDeferredAttempts(IdempotencyRecord finished) {
        long deadline = System.nanoTime() + store.timeout().toNanos();
        long backoffMillis = DEFERRED_BACKOFF_MILLIS;
        RuntimeException failure = null;
        for (int attempt = 1; attempt <= DEFERRED_COMPLETE_ATTEMPTS; attempt++) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                if (store.withinBudget(Duration.ofNanos(left), () -> store.completeOwn(finished) || holds(finished))) {
                    return true;
                }
                log.warn("The transaction of idempotency record {} committed, and its completion (deferred to after"
                        + " the commit: a read-only or repeatable-read transaction) found the claim taken over after"
                        + " its lease ran out: nothing is kept", finished.id());
                return false;
            } catch (RuntimeException e) {
                failure = collect(failure, e);
            }
            if (attempt == DEFERRED_COMPLETE_ATTEMPTS || System.nanoTime() + backoffMillis * 1_000_000L > deadline) {
                break;
            }
            pause(backoffMillis);
            backoffMillis = Math.min(backoffMillis * 2, DEFERRED_MAX_BACKOFF_MILLIS);
        }
        long left = deadline - System.nanoTime();
        try {
            // The last failure may have been a lost answer to a write that took effect: asked while time is left.
            if (left > 0 && store.withinBudget(Duration.ofNanos(left), () -> holds(finished))) {
                return true;
            }
        } catch (RuntimeException e) {
            failure = collect(failure, e);
        }
        log.error("The transaction of idempotency record {} committed, and its completion (deferred to after the"
                + " commit: a read-only or repeatable-read transaction) could not be written: a retry runs the body"
                + " again once its lease ends", finished.id(), failure);
        return false;
    }

    /** The first failure of the attempts, the later ones suppressed in it. */
    private static RuntimeException collect(@Nullable RuntimeException first, RuntimeException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    /** Whether the store holds {@code finished}: our claim token, with its finished status. */
    private boolean holds(IdempotencyRecord finished) {
        return store.find(finished.id()).filter(r -> r.claimToken().equals(finished.claimToken())
                && r.status() == finished.status()).isPresent();
    }

    /** Sleeps {@code millis} (bounded by the caller); an interrupt ends the pause and is kept for after. */
    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One record completed in the current transaction: what happens when that transaction ends. */
    private final class Completion implements TransactionSynchronization {

        final String id;
        final String claimToken;
        /** Written on a connection of the store's own after the commit (read-only, repeatable-read transactions). */
        final boolean deferred;
        final List<Runnable> whenCommitted = new CopyOnWriteArrayList<>();
        /** The savepoints made after the completion was written: rolling back to one of them keeps it. */
        final Set<Object> savepointsAfter = Collections.newSetFromMap(new IdentityHashMap<>());
        volatile boolean written;
        /** The completion was written, then a savepoint made before it rolled back, and took it back. */
        volatile boolean undone;
        /** The claim was made on the transaction's connection ({@link #claimInTransaction}). */
        volatile boolean claimedInTransaction;
        /** The claim was released already: nothing is left to release, nor to refuse the commit for. */
        volatile boolean released;
        volatile @Nullable IdempotencyRecord record;

        Completion(String id, String claimToken, boolean deferred) {
            this.id = id;
            this.claimToken = claimToken;
            this.deferred = deferred;
        }

        SpringTransactionJoin owner() {
            return SpringTransactionJoin.this;
        }

        @Override
        public void savepoint(Object savepoint) {
            savepointsAfter.add(savepoint);
        }

        @Override
        public void savepointRollback(Object savepoint) {
            if (written && !savepointsAfter.contains(savepoint)) {
                // The completion was written inside this savepoint (a NESTED transaction): it is gone with the body's
                // rows, and the claim stands again. Nothing may replay it.
                undone = true;
                written = false;
                record = null;
                whenCommitted.clear();
                if (deferred && !claimedInTransaction) {
                    // A deferred completion wrote nothing in the transaction: no row lock of its stands in the way.
                    releaseNow("the savepoint rolled back");
                }
                // Otherwise, the completion's row lock is still held: Spring announces the savepoint rollback before
                // it rolls back to the savepoint, so a release on another connection now would wait on the
                // transaction's own lock (until the network timeout, breaking the connection). The claim is released
                // once the lock is gone: by the next claim of the key in this transaction (releaseUndone), or after
                // the transaction ends (afterCompletion).
            }
            savepointsAfter.remove(savepoint);
        }

        /** Releases the claim on a connection of the store's own; a failure leaves it to the transaction's end. */
        void releaseNow(String when) {
            try {
                store.releaseOwn(id, claimToken);
                released = true;
            } catch (RuntimeException e) {
                log.warn("The completion of idempotency record {} was rolled back with its savepoint, and the claim"
                        + " could not be released when {}: it is released when the transaction ends", id, when, e);
            }
        }

        @Override
        public void beforeCommit(boolean readOnly) {
            if (undone || released) {
                // The body's work went with its savepoint, and so did the record: committing the rest is right.
                return;
            }
            if (!written) {
                throw new IdempotencyStoreException("The idempotency record " + id + " could not be completed in the"
                        + " transaction (another call took its key over after the lease ran out, or the store failed;"
                        + " see the log): the transaction rolls back, so that its work does not commit without its"
                        + " record. Retry the call; if the lease ran out, raise it above the longest run.", null);
            }
        }

        @Override
        public void afterCommit() {
            if (undone || released) {
                return;
            }
            IdempotencyRecord finished = record;
            if (deferred && finished != null && !completeDeferred(finished)) {
                whenCommitted.clear();
                return;
            }
            for (Runnable action : whenCommitted) {
                try {
                    action.run();
                } catch (RuntimeException e) {
                    log.warn("An action after the commit of idempotency record {} failed; ignored", id, e);
                }
            }
        }

        @Override
        public void afterCompletion(int status) {
            if (status == STATUS_COMMITTED && !undone) {
                return;
            }
            whenCommitted.clear();
            if (released) {
                return;
            }
            try {
                // The rollback (of the transaction, or of the savepoint the completion was written in) undid the
                // completion: the claim stands again. Release it, so a retry runs at once.
                store.releaseOwn(id, claimToken);
            } catch (RuntimeException e) {
                log.warn("The transaction that completed idempotency record {} rolled back, and the claim could not be"
                        + " released: a retry runs once its lease ends", id, e);
            }
        }
    }
}

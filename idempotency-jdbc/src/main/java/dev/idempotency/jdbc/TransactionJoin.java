package dev.idempotency.jdbc;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

import dev.idempotency.store.ClaimResult;
import dev.idempotency.store.IdempotencyRecord;

/**
 * How completions meet the caller's transaction, for a store with transactional completion. The one implementation
 * finds the transaction through Spring's transaction synchronization ({@link SpringTransactionJoin}); it is loaded
 * only for such a store, so that the store needs no Spring otherwise.
 */
interface TransactionJoin {

    /**
     * Before a claim: refuses a call that runs in a transaction the completion could not join (one on another
     * resource, or one on the store's DataSource without transaction synchronization), since its record would then
     * commit before, and apart from, the transaction's work.
     */
    void checkClaim();

    /**
     * Before a claim of {@code id}: releases, on a connection of the store's own, a claim of that key whose completion
     * a savepoint rollback of the current transaction took back, and that is still held. The release waits until
     * here (or the end of the transaction) because the savepoint rollback is announced before the database rolls
     * back to the savepoint: releasing then would wait on the transaction's own row lock.
     */
    void releaseUndone(String id);

    /**
     * Completes {@code finished} on the connection of the caller's transaction on the store's DataSource, or, in a
     * transaction that could not write it there (read-only, or {@code REPEATABLE READ}/{@code SERIALIZABLE}, whose
     * snapshot may lack the claim), on a connection of the store's own after that transaction commits.
     *
     * @return whether it was completed, or {@code null} when no transaction runs, so the store completes on its own
     */
    @Nullable Boolean complete(IdempotencyRecord finished);

    /**
     * The record that the current transaction completed for {@code id} and still holds (not rolled back to a
     * savepoint), or {@code null}. A claim of that key on another connection would wait for the transaction's own row
     * lock, so the store answers it with this record instead.
     */
    @Nullable IdempotencyRecord completedInTransaction(String id);

    /**
     * Claims {@code record} on the connection of the caller's transaction, when that transaction holds the row lock of
     * the key (it completed the key, and that completion expired): a claim on another connection would wait on the
     * caller's own transaction.
     *
     * @return the claim's outcome, or {@code null} when the transaction holds no row lock of the key
     */
    @Nullable ClaimResult claimInTransaction(IdempotencyRecord record, Instant now);

    /**
     * Releases a claim that {@link #claimInTransaction} made, on the transaction's connection.
     *
     * @return whether it was released, or {@code null} when the claim was not made in the current transaction
     */
    @Nullable Boolean release(String id, String claimToken);

    /** Defers {@code action} until the transaction that completed {@code finished} commits; false when none did. */
    boolean whenDurable(IdempotencyRecord finished, Runnable action);
}

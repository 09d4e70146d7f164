package dev.idempotency.store;

import java.time.Instant;
import java.util.Optional;

/**
 * Where idempotency records live. Each operation is one atomic conditional operation on one record; contention
 * is returned as a value, and only infrastructure failures (unreachable, throttled, missing table) throw.
 *
 * <p>Times are given by the caller (the engine reads them from its {@link java.time.Clock}), so a store never
 * reads a clock of its own and every instance in a fleet decides with the same rule.
 *
 * <p>Prove an implementation with {@code AbstractIdempotencyStoreContractTest} from this module's test jar.
 */
public interface IdempotencyStore {

    /**
     * Writes {@code record} (an {@code IN_PROGRESS} record with a fresh claim token) if, at {@code now}, there is
     * no record with its id, the record there has expired, or it is {@code IN_PROGRESS} with an expired lease.
     * Otherwise writes nothing and returns the record that stands in the way.
     *
     * @return {@link ClaimResult#claimed()} or {@link ClaimResult#conflict(IdempotencyRecord)} with the live record
     */
    ClaimResult claim(IdempotencyRecord record, Instant now);

    /**
     * Replaces the {@code IN_PROGRESS} record with {@code finished} (a {@code COMPLETED} or {@code FAILED} record),
     * but only while the stored record still carries {@code finished.claimToken()}.
     *
     * @return {@code false} when the caller no longer owns the record (its lease was taken over, or it is gone)
     */
    boolean complete(IdempotencyRecord finished);

    /**
     * Runs {@code action} once {@code finished}, which {@link #complete} just wrote, is durable and seen by every
     * caller; never when it is undone. The engine caches the record in this JVM in {@code action}, so that a local
     * replay never answers for a completion that could still roll back. At once by default; a store that completes
     * inside the caller's own transaction runs it after that transaction commits, and drops it on rollback.
     */
    default void whenDurable(IdempotencyRecord finished, Runnable action) {
        action.run();
    }

    /**
     * Deletes the {@code IN_PROGRESS} record {@code id}, but only while it carries {@code claimToken}, so that a
     * retry runs the body again.
     *
     * @return {@code false} when the caller no longer owns the record
     */
    boolean release(String id, String claimToken);

    /**
     * The record stored under {@code id}, read consistently. A store may return an expired record or none;
     * callers decide expiry from {@link IdempotencyRecord#expiresAt()}.
     */
    Optional<IdempotencyRecord> find(String id);

    /**
     * The largest serialized result, in bytes, that this store can keep. Larger results are not stored: the
     * first caller still gets its value, and duplicates get a typed error. Unlimited by default.
     */
    default int maxResultBytes() {
        return Integer.MAX_VALUE;
    }
}

package dev.idempotency;

/**
 * How a call ended, as an {@link IdempotencyObserver} is told: one value per call. What else happened on the way (a
 * result that could not be kept, a lease lost, a store failure while recording) the {@link IdempotencyListener}
 * hears.
 */
public enum CallOutcome {
    /** The body ran and returned. */
    EXECUTED,
    /** The body ran and threw an exception that is not final: the key is released, so that a retry runs again. */
    FAILED,
    /** The body ran and threw a final exception: it is kept and will be replayed. */
    FAILURE_KEPT,
    /** A completed call's outcome was replayed from this JVM's cache. */
    REPLAYED_FROM_CACHE,
    /** A completed call's outcome was replayed from the store. */
    REPLAYED_FROM_STORE,
    /** Refused: a call with the same key is still running ({@link IdempotencyInProgressException}). */
    IN_PROGRESS,
    /** Refused: the key was used before with another payload ({@link IdempotencyPayloadMismatchException}). */
    PAYLOAD_MISMATCH,
    /** Refused: no key, or one that could not be read ({@link IdempotencyKeyException}). */
    INVALID_KEY,
    /** Refused: the store failed before the body ran ({@link IdempotencyStoreException}). */
    STORE_FAILURE,
    /** Refused: the first call's outcome could not be replayed ({@link IdempotencyReplayException}). */
    REPLAY_FAILED,
    /** Ran without protection, as configured: there was no key, or the store failed. */
    UNPROTECTED,
    /** Failed unexpectedly, before any body ran: a fault of the framework or of a component given to it. */
    ERROR
}

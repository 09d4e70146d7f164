package dev.idempotency;

/** The requests the engine sends to its store, as {@link IdempotencyListener#onStoreRequest} names them. */
public enum StoreOperation {
    /** {@link dev.idempotency.store.IdempotencyStore#claim}. */
    CLAIM,
    /** {@link dev.idempotency.store.IdempotencyStore#complete}. */
    COMPLETE,
    /** {@link dev.idempotency.store.IdempotencyStore#release}. */
    RELEASE,
    /** {@link dev.idempotency.store.IdempotencyStore#find}. */
    FIND
}

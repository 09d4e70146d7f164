package dev.idempotency;

/** What a call does when the store cannot be reached to claim the key. */
public enum StoreFailurePolicy {
    /** Fail with {@link IdempotencyStoreException}; the body does not run. The default. */
    FAIL_CLOSED,
    /** Run the body without protection and report the failure to listeners. An explicit opt-in. */
    RUN_UNPROTECTED
}

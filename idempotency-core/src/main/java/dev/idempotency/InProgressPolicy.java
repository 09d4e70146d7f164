package dev.idempotency;

/** What a call does when its key is held by another call that is still running (its lease is live). */
public enum InProgressPolicy {
    /** Use the configured policy ({@link IdempotencyConfig#inProgressPolicy()}). Only valid on an operation. */
    DEFAULT,
    /** Fail at once with {@link IdempotencyInProgressException} (HTTP would say 409). */
    REJECT,
    /**
     * Poll with backoff until the running call completes (replay its result), its lease runs out (claim the key
     * and run), or {@link IdempotencyConfig#waitTimeout()} passes ({@link IdempotencyInProgressException}).
     */
    WAIT
}

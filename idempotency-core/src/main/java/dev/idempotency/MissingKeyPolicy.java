package dev.idempotency;

/** What a call does when it has no key (null, blank, or nothing a key strategy could read). */
public enum MissingKeyPolicy {
    /** Fail with {@link IdempotencyKeyException}; the body does not run. The default. */
    REJECT,
    /** Run the body without protection (no record, no replay) and log a warning. An explicit opt-in. */
    RUN_UNPROTECTED
}

package dev.idempotency;

import java.time.Duration;

/**
 * Another call with the same key is still running (its lease is live), and this call did not wait for it, or
 * waited longer than allowed. Retry later. HTTP would say 409.
 */
public class IdempotencyInProgressException extends IdempotencyException {

    private static final long serialVersionUID = 1L;

    private final Duration timeLeft;

    public IdempotencyInProgressException(String namespace, String recordId, Duration timeLeft, String message) {
        super(namespace, recordId, message, null);
        this.timeLeft = timeLeft;
    }

    /** How long the running call still owns the key: after that a retry may take over. Never negative. */
    public Duration timeLeft() {
        return timeLeft;
    }
}

package dev.idempotency;

/**
 * The first call with this key ran and completed, but its outcome cannot be replayed: its result could not be kept
 * (not serializable, or larger than the store accepts), or the kept result cannot be read as the declared return
 * type any more. The body did not run again: it already ran once.
 */
public class IdempotencyReplayException extends IdempotencyException {

    private static final long serialVersionUID = 1L;

    public IdempotencyReplayException(String namespace, String recordId, String message, Throwable cause) {
        super(namespace, recordId, message, cause);
    }

    public IdempotencyReplayException(String namespace, String recordId, String message) {
        super(namespace, recordId, message, null);
    }
}

package dev.idempotency;

import dev.idempotency.store.RecordStatus;

/**
 * The key was used before with a different payload: a client error, not a retry. The body did not run. HTTP would
 * say 422.
 */
public class IdempotencyPayloadMismatchException extends IdempotencyException {

    private static final long serialVersionUID = 1L;

    private final RecordStatus status;

    public IdempotencyPayloadMismatchException(String namespace, String recordId, RecordStatus status,
            String message) {
        super(namespace, recordId, message, null);
        this.status = status;
    }

    /** The status of the record the key already has. */
    public RecordStatus status() {
        return status;
    }
}

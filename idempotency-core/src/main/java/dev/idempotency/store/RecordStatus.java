package dev.idempotency.store;

/** The state of an {@link IdempotencyRecord}. */
public enum RecordStatus {
    /** A call owns the key and is running; its lease says until when. */
    IN_PROGRESS,
    /** The call returned; the record holds its serialized result (or none, when the result could not be kept). */
    COMPLETED,
    /** The call threw an exception the user marked as final; the record holds that failure for replay. */
    FAILED
}

package dev.idempotency;

/** Where a replayed result came from. */
public enum ReplaySource {
    /** This JVM's cache of completed records: no store request. */
    LOCAL_CACHE,
    /** The store: the record came back from a failed claim or a read. */
    STORE
}

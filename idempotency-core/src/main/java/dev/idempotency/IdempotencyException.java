package dev.idempotency;

import org.jspecify.annotations.Nullable;

/**
 * The root of every exception the framework throws at callers. Each subclass carries what a caller acts on behind
 * getters; none carries the raw key (keys may hold personal data), only the namespace and the hashed record id.
 */
public class IdempotencyException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String namespace;
    private final @Nullable String recordId;

    protected IdempotencyException(String namespace, @Nullable String recordId, String message,
            @Nullable Throwable cause) {
        super(message, cause);
        this.namespace = namespace;
        this.recordId = recordId;
    }

    /** The namespace (operation) of the call. */
    public String namespace() {
        return namespace;
    }

    /** The record id, {@code namespace#sha256(key)}, or {@code null} when the call had no key. */
    public @Nullable String recordId() {
        return recordId;
    }
}

package dev.idempotency;

import org.jspecify.annotations.Nullable;

/**
 * The store failed (unreachable, throttled, missing table, bad credentials). When this is thrown before the body
 * ran, the body did not run: the framework fails closed unless told otherwise ({@link StoreFailurePolicy}).
 */
public class IdempotencyStoreException extends IdempotencyException {

    private static final long serialVersionUID = 1L;

    public IdempotencyStoreException(String namespace, @Nullable String recordId, String message,
            @Nullable Throwable cause) {
        super(namespace, recordId, message, cause);
    }

    /**
     * For store implementations: a failure outside any call (no namespace yet), to be rethrown by the engine with
     * the call's namespace.
     */
    public IdempotencyStoreException(String message, @Nullable Throwable cause) {
        super("", null, message, cause);
    }
}

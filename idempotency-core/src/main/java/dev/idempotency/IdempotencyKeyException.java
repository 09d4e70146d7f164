package dev.idempotency;

import org.jspecify.annotations.Nullable;

/**
 * The call has no usable key (null, blank, or a key expression or strategy that failed), or its payload cannot be
 * fingerprinted. The body did not run. HTTP would say 400.
 */
public class IdempotencyKeyException extends IdempotencyException {

    private static final long serialVersionUID = 1L;

    public IdempotencyKeyException(String namespace, String message, @Nullable Throwable cause) {
        super(namespace, null, message, cause);
    }
}

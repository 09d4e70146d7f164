package dev.idempotency.key;

import org.jspecify.annotations.Nullable;

import dev.idempotency.IdempotencyKey;
import dev.idempotency.internal.BuiltInKeyStrategy;

/**
 * Computes the key of a call from its invocation. The key may be any value: a {@code String}, a number, a
 * {@code UUID}, or an object or list that the framework turns into a canonical form. It is hashed before it reaches
 * the store. Return {@code null} (or a blank string) when the invocation has no key: the call is then refused with
 * {@link dev.idempotency.IdempotencyKeyException} (or runs unprotected, when configured so).
 *
 * <p>Write your own for custom tokens, for example a header value held in a request-scoped object:
 * {@code KeyStrategy fromHeader = invocation -> requestContext.header("Idempotency-Key");}
 */
@FunctionalInterface
public interface KeyStrategy {

    /** The key of {@code invocation}, or {@code null} when it has none. */
    @Nullable Object key(Invocation invocation);

    /**
     * The parameters marked with {@link IdempotencyKey}: the value of the only one, or the list of them all. No key
     * when none is marked or all marked values are null.
     */
    static KeyStrategy annotatedParameters() {
        return BuiltInKeyStrategy.ANNOTATED_PARAMETERS;
    }

    /** The only argument of a one-argument method; no key for any other method. */
    static KeyStrategy singleArgument() {
        return BuiltInKeyStrategy.SINGLE_ARGUMENT;
    }

    /** All arguments, as a list; no key when every argument is null or there are none. */
    static KeyStrategy allArguments() {
        return BuiltInKeyStrategy.ALL_ARGUMENTS;
    }

    /**
     * The default: the {@link IdempotencyKey} parameters when the method marks any, else the only argument of a
     * one-argument method. A method with several arguments and none marked has no key: mark one, set a key
     * expression, or choose a strategy, rather than keying by accident on everything.
     */
    static KeyStrategy defaultStrategy() {
        return BuiltInKeyStrategy.DEFAULT;
    }
}

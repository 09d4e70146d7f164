package dev.idempotency.key;

import java.lang.reflect.Method;
import java.util.Objects;

/**
 * One invocation of a method, as a {@link KeyStrategy} sees it.
 *
 * @param method    the method called (the annotated one, on the user's class)
 * @param arguments the arguments, in order; not copied, do not modify
 */
public record Invocation(Method method, Object[] arguments) {

    public Invocation {
        Objects.requireNonNull(method, "method must not be null");
        Objects.requireNonNull(arguments, "arguments must not be null");
    }
}

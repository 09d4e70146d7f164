package dev.idempotency.spring;

import java.lang.reflect.Method;

/**
 * Leaves some {@link dev.idempotency.Idempotent} methods to another integration that applies the annotation itself:
 * the aspect neither checks nor intercepts a method that a bean of this type excludes, and calls it unchanged. The
 * web module ({@code idempotency-spring-web}) excludes the handler methods of controllers, which it makes idempotent
 * by the request's {@code Idempotency-Key} header; without it, the aspect would protect them a second time, by their
 * arguments.
 *
 * <p>Asked once per method and class, when the method is first checked or called.
 */
@FunctionalInterface
public interface IdempotentMethodExclusion {

    /** Whether the aspect must leave {@code method}, called on a bean of {@code targetClass}, to another integration. */
    boolean excludes(Method method, Class<?> targetClass);
}

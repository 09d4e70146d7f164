package dev.idempotency;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the parameters that make up the key of an {@link Idempotent} method. With several marked parameters the key
 * is all of them, in order. A call whose marked parameters are all {@code null} or blank has no key and is refused
 * with {@link IdempotencyKeyException}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface IdempotencyKey {
}

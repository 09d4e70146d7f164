package dev.idempotency;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Makes a method idempotent: the first call with a key runs the method and keeps its result; later calls with the
 * same key, within the retention time, get that result back without running the method.
 *
 * <p>Every attribute has a default; an empty string means "use the configured default" (see
 * {@link IdempotencyConfig}). The annotation has no framework imports: an integration (Spring) reads it, and
 * {@link Idempotency#operation(java.lang.reflect.Method)} reads it for code without one.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Idempotent {

    /**
     * The namespace: which operation the keys belong to. Default: the declaring class's name and the method's
     * name ({@code com.acme.OrderService.placeOrder}). Set a stable name so that renaming the class or method does
     * not forget the records already kept.
     */
    String name() default "";

    /**
     * An expression for the key, evaluated by the integration that understands it (SpEL in Spring:
     * {@code "#order.id"}, {@code "#p0"}). Default: the key strategy decides (see {@link #keyStrategy()}).
     */
    String key() default "";

    /**
     * The name of a registered {@link dev.idempotency.key.KeyStrategy} to compute the key from the arguments
     * (a bean name in Spring). Default: the default strategy, which takes the {@link IdempotencyKey} parameters, or
     * else the only argument. Ignored when {@link #key()} is set.
     */
    String keyStrategy() default "";

    /**
     * How long a completed call is remembered, as {@code "10m"}, {@code "24h"}, {@code "500ms"} or ISO-8601
     * ({@code "PT10M"}). Default: {@link IdempotencyConfig#ttl()}.
     */
    String ttl() default "";

    /**
     * How long a running call owns its key before another call may take over (its owner is presumed dead), in
     * the same format as {@link #ttl()}. Set it above the method's longest run. Default:
     * {@link IdempotencyConfig#lease()}.
     */
    String lease() default "";

    /** What a call does when the key is held by a call still running. Default: the configured policy. */
    InProgressPolicy onInProgress() default InProgressPolicy.DEFAULT;

    /**
     * Exception types that are a final answer for the key (a declined card, say): they are kept and replayed to
     * duplicates instead of letting a retry run the method again. Any other exception releases the key.
     */
    Class<? extends Throwable>[] finalExceptions() default {};
}

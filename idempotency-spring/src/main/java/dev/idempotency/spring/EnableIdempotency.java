package dev.idempotency.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;

/**
 * Makes {@link dev.idempotency.Idempotent} methods of Spring beans idempotent: registers an aspect around them and an
 * {@link dev.idempotency.Idempotency} bean (inject it for the programmatic API, for example where a bean calls its
 * own method and no proxy is in between).
 *
 * <pre>{@code
 * @Configuration
 * @EnableIdempotency
 * class AppConfig { }
 * }</pre>
 *
 * <p>The store, the settings and the key strategies come from the {@code idempotency.*} properties of the
 * {@link org.springframework.core.env.Environment} (see {@link IdempotencyProperties}), and beans of your own win:
 * an {@link dev.idempotency.store.IdempotencyStore}, an {@link dev.idempotency.IdempotencyConfig}, a
 * {@link dev.idempotency.serialization.ResultSerializer}, {@link dev.idempotency.IdempotencyListener}s, and
 * {@link dev.idempotency.key.KeyStrategy} beans, which {@code @Idempotent(keyStrategy = "beanName")} picks by name.
 *
 * <p>The aspect is applied by Spring AOP proxies, so only calls that come through the proxy are intercepted: a call
 * from a bean to its own method (self-invocation) is not, nor is a {@code private} method, nor a {@code final} method
 * of a class proxy.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Import({ IdempotencyProxyRegistrar.class, IdempotencyConfiguration.class })
public @interface EnableIdempotency {

    /**
     * The default {@link #order()}: {@code Ordered.LOWEST_PRECEDENCE - 100}. It is a higher precedence than
     * {@code @Transactional} ({@code LOWEST_PRECEDENCE} unless {@code @EnableTransactionManagement(order)} says
     * otherwise), Spring Retry ({@code LOWEST_PRECEDENCE - 1}) and the Resilience4j aspects
     * ({@code LOWEST_PRECEDENCE - 4} to {@code LOWEST_PRECEDENCE}), so idempotency is the outermost advice: the
     * record completes only after the transaction has committed, and is released when it rolls back.
     */
    int DEFAULT_ORDER = Ordered.LOWEST_PRECEDENCE - 100;

    /** Where the idempotency advice runs when several advise one method: lower runs first (outside). */
    int order() default DEFAULT_ORDER;

    /**
     * Whether to proxy classes (CGLIB) rather than interfaces (JDK dynamic proxies). By default a bean that
     * implements an interface gets an interface proxy, which others inject by the interface; {@code true} proxies
     * every bean by its class. It applies to every auto-proxied bean of the context, as Spring's own
     * {@code @EnableAspectJAutoProxy(proxyTargetClass)} does.
     */
    boolean proxyTargetClass() default false;
}

package dev.idempotency.spring;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.aspectj.lang.ProceedingJoinPoint;
import org.aspectj.lang.annotation.Around;
import org.aspectj.lang.annotation.Aspect;
import org.aspectj.lang.reflect.MethodSignature;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.expression.BeanFactoryResolver;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.MethodClassKey;
import org.springframework.core.Ordered;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.util.function.SingletonSupplier;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyKeyException;
import dev.idempotency.Idempotent;
import dev.idempotency.IdempotentOperation;

/**
 * The advice around {@link Idempotent} methods: a thin adapter that hands each call to the method's
 * {@link IdempotentOperation}. It adds what the core cannot know: the annotated method behind a proxy, and the SpEL
 * key expression.
 */
@Aspect
final class IdempotencyAspect implements Ordered {

    private final Supplier<Idempotency> idempotency;
    private final int order;
    private final SpelExpressionParser parser = new SpelExpressionParser();
    private final ParameterNameDiscoverer parameterNames = new DefaultParameterNameDiscoverer();
    private final BeanFactoryResolver beanResolver;
    private final ConcurrentMap<MethodClassKey, AnnotatedMethod> methods = new ConcurrentHashMap<>();

    IdempotencyAspect(ObjectProvider<Idempotency> idempotency, BeanFactory beanFactory, int order) {
        this.idempotency = SingletonSupplier.of(idempotency::getObject);
        this.beanResolver = new BeanFactoryResolver(beanFactory);
        this.order = order;
    }

    @Around("@annotation(dev.idempotency.Idempotent)")
    public @Nullable Object around(ProceedingJoinPoint joinPoint) throws Throwable {
        AnnotatedMethod annotated = annotatedMethod(joinPoint);
        IdempotentOperation<Object> operation = annotated.operation();
        Object[] arguments = joinPoint.getArgs();
        if (operation.isAsync()) {
            return aroundAsync(joinPoint, annotated, arguments);
        }
        Expression keyExpression = annotated.keyExpression();
        if (keyExpression == null) {
            return operation.invoke(arguments, joinPoint::proceed);
        }
        return operation.execute(evaluateKey(annotated, keyExpression, arguments), Arrays.asList(arguments),
                joinPoint::proceed);
    }

    private CompletableFuture<Object> aroundAsync(ProceedingJoinPoint joinPoint, AnnotatedMethod annotated,
            Object[] arguments) throws Throwable {
        IdempotentOperation<Object> operation = annotated.operation();
        Expression keyExpression = annotated.keyExpression();
        Supplier<@Nullable CompletionStage<Object>> body = () -> proceedToStage(joinPoint);
        try {
            if (keyExpression == null) {
                return operation.invokeAsync(arguments, body);
            }
            Object key;
            try {
                key = evaluateKey(annotated, keyExpression, arguments);
            } catch (IdempotencyKeyException e) {
                // As the core reports a key strategy's failure to an asynchronous caller: in the future.
                return CompletableFuture.failedFuture(e);
            }
            return operation.executeAsync(key, Arrays.asList(arguments), body);
        } catch (CheckedBodyException e) {
            throw e.getCause();
        }
    }

    /** The stage the method returns; a checked exception it throws travels as {@link CheckedBodyException}. */
    @SuppressWarnings("unchecked")
    private static @Nullable CompletionStage<Object> proceedToStage(ProceedingJoinPoint joinPoint) {
        try {
            return (CompletionStage<Object>) joinPoint.proceed();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable checked) {
            throw new CheckedBodyException(checked);
        }
    }

    private AnnotatedMethod annotatedMethod(ProceedingJoinPoint joinPoint) {
        Method invoked = ((MethodSignature) joinPoint.getSignature()).getMethod();
        Class<?> targetClass = AopProxyUtils.ultimateTargetClass(joinPoint.getTarget());
        MethodClassKey cacheKey = new MethodClassKey(invoked, targetClass);
        AnnotatedMethod annotated = methods.get(cacheKey);
        if (annotated == null) {
            annotated = methods.computeIfAbsent(cacheKey, k -> resolve(invoked, targetClass));
        }
        return annotated;
    }

    /**
     * The method that carries the annotation: the implementation's, so that an annotation on a class works behind an
     * interface (JDK) proxy too; the invoked interface method only for a bean that is itself a proxy of the interface
     * (a Spring Data repository, say), where the pointcut matched the interface's annotation.
     */
    private AnnotatedMethod resolve(Method invoked, Class<?> targetClass) {
        Method specific = AopUtils.getMostSpecificMethod(invoked, targetClass);
        Method method = specific.isAnnotationPresent(Idempotent.class) ? specific : invoked;
        if (CompletionStage.class.isAssignableFrom(method.getReturnType())
                && !method.getReturnType().isAssignableFrom(CompletableFuture.class)) {
            throw new IllegalArgumentException("@Idempotent on " + describe(method) + ": an asynchronous method must"
                    + " return CompletionStage or CompletableFuture, but returns "
                    + method.getReturnType().getSimpleName());
        }
        IdempotentOperation<Object> operation = idempotency.get().operation(method);
        String keyText = method.getAnnotation(Idempotent.class).key();
        Expression key = null;
        if (!keyText.isBlank()) {
            try {
                key = parser.parseExpression(keyText);
            } catch (ParseException e) {
                throw new IllegalArgumentException("@Idempotent on " + describe(method) + ": the key expression '"
                        + keyText + "' is not valid SpEL: " + e.getMessage(), e);
            }
        }
        return new AnnotatedMethod(method, operation, key);
    }

    @Override
    public int getOrder() {
        return order;
    }

    private static String describe(Method method) {
        return method.getDeclaringClass().getSimpleName() + "." + method.getName()
                + Arrays.stream(method.getParameterTypes()).map(Class::getSimpleName)
                        .collect(Collectors.joining(", ", "(", ")"));
    }

    /**
     * Evaluates the key expression over the arguments ({@code #order}, {@code #p0}, {@code #a0}, {@code @beanName}).
     * A {@code null} key is left to the core, which refuses the call by its missing-key policy.
     */
    private @Nullable Object evaluateKey(AnnotatedMethod annotated, Expression keyExpression, Object[] arguments) {
        MethodBasedEvaluationContext context =
                new MethodBasedEvaluationContext(null, annotated.method(), arguments, parameterNames);
        context.setBeanResolver(beanResolver);
        try {
            return keyExpression.getValue(context);
        } catch (RuntimeException e) {
            String namespace = annotated.operation().namespace();
            throw new IdempotencyKeyException(namespace, "Cannot evaluate the key expression '"
                    + keyExpression.getExpressionString() + "' of " + describe(annotated.method()) + " (namespace "
                    + namespace + "): " + e.getMessage() + ". Fix the expression or the arguments; the body did not"
                    + " run.", e);
        }
    }

    /** An annotated method, resolved once: its operation, and its parsed key expression if it has one. */
    private record AnnotatedMethod(Method method, IdempotentOperation<Object> operation,
            @Nullable Expression keyExpression) {
    }

    /** Carries a checked exception of an asynchronous method's body through the core, which rethrows it. */
    private static final class CheckedBodyException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        CheckedBodyException(Throwable cause) {
            super(cause);
        }
    }
}

package dev.idempotency.spring;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.aspectj.lang.ProceedingJoinPoint;
import org.aspectj.lang.annotation.Around;
import org.aspectj.lang.annotation.Aspect;
import org.aspectj.lang.reflect.MethodSignature;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.context.expression.BeanFactoryResolver;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.Ordered;
import org.springframework.expression.Expression;
import org.springframework.expression.spel.SpelEvaluationException;

import dev.idempotency.IdempotencyKeyException;
import dev.idempotency.Idempotent;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.IdempotentSupplier;
import dev.idempotency.internal.Messages;
import dev.idempotency.spring.IdempotentMethods.AnnotatedMethod;

/**
 * The advice around {@link Idempotent} methods: a thin adapter that hands each call to the method's
 * {@link IdempotentOperation}. It adds what the core cannot know: the annotated method behind a proxy, and the SpEL
 * key expression.
 */
@Aspect
final class IdempotencyAspect implements Ordered {

    private final IdempotentMethods methods;
    private final int order;
    private final BeanFactoryResolver beanResolver;

    IdempotencyAspect(IdempotentMethods methods, BeanFactory beanFactory, int order) {
        this.methods = methods;
        this.beanResolver = new BeanFactoryResolver(beanFactory);
        this.order = order;
    }

    @Around("@annotation(dev.idempotency.Idempotent)")
    public @Nullable Object around(ProceedingJoinPoint joinPoint) throws Throwable {
        AnnotatedMethod annotated = annotatedMethod(joinPoint);
        IdempotentOperation<Object> operation = annotated.operation();
        if (operation == null) {
            // Left to another integration (the web module's endpoints), which applies the annotation itself.
            return joinPoint.proceed();
        }
        Object[] arguments = joinPoint.getArgs();
        if (operation.isAsync()) {
            return aroundAsync(joinPoint, annotated, operation, arguments);
        }
        Expression keyExpression = annotated.keyExpression();
        if (keyExpression == null) {
            return operation.invoke(arguments, joinPoint::proceed);
        }
        return operation.execute(evaluateKey(annotated, operation, keyExpression, arguments),
                Arrays.asList(arguments), joinPoint::proceed);
    }

    /** The stage's key is claimed now; what the method throws before it returns a stage is settled as a sync body's. */
    @SuppressWarnings("unchecked")
    private CompletableFuture<Object> aroundAsync(ProceedingJoinPoint joinPoint, AnnotatedMethod annotated,
            IdempotentOperation<Object> operation, Object[] arguments) throws Throwable {
        Expression keyExpression = annotated.keyExpression();
        IdempotentSupplier<@Nullable CompletionStage<Object>, Throwable> body =
                () -> (CompletionStage<Object>) joinPoint.proceed();
        if (keyExpression == null) {
            return operation.invokeAsync(arguments, body);
        }
        Object key;
        try {
            key = evaluateKey(annotated, operation, keyExpression, arguments);
        } catch (IdempotencyKeyException e) {
            // As the core reports a key strategy's failure to an asynchronous caller: in the future.
            return CompletableFuture.failedFuture(e);
        }
        return operation.executeAsync(key, Arrays.asList(arguments), body);
    }

    private AnnotatedMethod annotatedMethod(ProceedingJoinPoint joinPoint) {
        Method invoked = ((MethodSignature) joinPoint.getSignature()).getMethod();
        return methods.get(invoked, AopProxyUtils.ultimateTargetClass(joinPoint.getTarget()));
    }

    @Override
    public int getOrder() {
        return order;
    }

    /**
     * Evaluates the key expression over the arguments ({@code #order}, {@code #p0}, {@code #a0}, {@code @beanName}).
     * A {@code null} key is left to the core, which refuses the call by its missing-key policy.
     */
    private @Nullable Object evaluateKey(AnnotatedMethod annotated, IdempotentOperation<Object> operation,
            Expression keyExpression, Object[] arguments) {
        MethodBasedEvaluationContext context =
                new MethodBasedEvaluationContext(null, annotated.method(), arguments, methods.parameterNames());
        context.setBeanResolver(beanResolver);
        try {
            return keyExpression.getValue(context);
        } catch (RuntimeException e) {
            String namespace = operation.namespace();
            throw new IdempotencyKeyException(namespace, "Cannot evaluate the key expression '"
                    + keyExpression.getExpressionString() + "' of " + annotated.description()
                    + " (namespace " + namespace + "): " + failure(e) + ". Fix the expression or the arguments;"
                    + " the body did not run.", e);
        }
    }

    /** SpEL's error code, which names the problem without quoting values (a value may be the key), and the cause. */
    private static String failure(RuntimeException e) {
        String code = e instanceof SpelEvaluationException spel ? spel.getMessageCode() + ", " : "";
        return code + Messages.causeType(e);
    }
}

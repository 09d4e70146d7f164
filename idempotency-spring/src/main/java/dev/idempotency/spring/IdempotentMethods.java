package dev.idempotency.spring;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanFactoryUtils;
import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.BridgeMethodResolver;
import org.springframework.core.MethodClassKey;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;
import org.springframework.util.function.SingletonSupplier;

import dev.idempotency.Idempotency;
import dev.idempotency.Idempotent;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.internal.Messages;
import dev.idempotency.key.KeyStrategy;

/**
 * The {@link Idempotent} methods of the application's beans, each resolved once into its operation and its parsed key
 * expression. The aspect asks for the method it intercepts. At startup, once every singleton exists, every annotated
 * method of every bean class is resolved, so that a bad attribute (an unparseable {@code ttl} or {@code lease}, a
 * lease longer than the ttl, an unknown {@code keyStrategy}, a {@code key} that is not SpEL, a {@code name} too long)
 * fails the start of the application, naming the bean, the method and the attribute, instead of the method's first
 * call.
 */
final class IdempotentMethods implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(IdempotentMethods.class);

    private final Supplier<Idempotency> idempotency;
    private final ConfigurableListableBeanFactory beanFactory;
    private final SpelExpressionParser parser = new SpelExpressionParser();
    private final ParameterNameDiscoverer parameterNames;
    private final ConcurrentMap<MethodClassKey, AnnotatedMethod> methods = new ConcurrentHashMap<>();

    /** Takes the engine lazily: the aspect that uses this is created early, before the engine's dependencies. */
    IdempotentMethods(ObjectProvider<Idempotency> idempotency, ConfigurableListableBeanFactory beanFactory,
            ParameterNameDiscoverer parameterNames) {
        this.idempotency = SingletonSupplier.of(idempotency::getObject);
        this.beanFactory = beanFactory;
        this.parameterNames = parameterNames;
    }

    /**
     * The annotated method behind a call of {@code invoked} on a bean of {@code targetClass}, resolved at its first
     * use.
     *
     * @throws IllegalArgumentException naming the method and the attribute, when an attribute is invalid
     */
    AnnotatedMethod get(Method invoked, Class<?> targetClass) {
        MethodClassKey cacheKey = new MethodClassKey(invoked, targetClass);
        AnnotatedMethod annotated = methods.get(cacheKey);
        if (annotated == null) {
            annotated = methods.computeIfAbsent(cacheKey, k -> resolve(invoked, targetClass));
        }
        return annotated;
    }

    /** Resolves the annotated methods of every bean class once; lazy and prototype beans by their type alone. */
    @Override
    public void afterSingletonsInstantiated() {
        Set<Class<?>> checked = new HashSet<>();
        int annotatedMethods = 0;
        for (String name : beanFactory.getBeanDefinitionNames()) {
            if (beanFactory.getBeanDefinition(name).isAbstract()) {
                continue;
            }
            Class<?> targetClass = targetClass(name);
            if (targetClass == null || !checked.add(targetClass)
                    || !AnnotationUtils.isCandidateClass(targetClass, Idempotent.class)) {
                continue;
            }
            // A bridge and an overridden super method run as the method that overrides them: one operation.
            Set<Method> operations = new HashSet<>();
            for (Method method : annotatedMethods(targetClass)) {
                operations.add(BridgeMethodResolver.findBridgedMethod(
                        AopUtils.getMostSpecificMethod(method, targetClass)));
                try {
                    checkApplied(method, targetClass);
                    get(method, targetClass);
                } catch (IllegalArgumentException e) {
                    throw new BeanInitializationException("Bean '" + name + "' has an invalid @Idempotent method: "
                            + e.getMessage(), e);
                }
            }
            annotatedMethods += operations.size();
        }
        // One line, so that an operator sees what protects the application (the store's description names its
        // table or server, never credentials); nothing is logged at INFO per call.
        Idempotency engine = idempotency.get();
        log.info("Idempotency: {} @Idempotent method{} on {}, with {}", annotatedMethods,
                annotatedMethods == 1 ? "" : "s", engine.store(), engine.config());
    }

    /** The class behind a bean's proxy, without creating a bean that does not exist yet. */
    private @Nullable Class<?> targetClass(String name) {
        Object singleton = beanFactory.getSingleton(name);
        if (singleton != null) {
            return AopProxyUtils.ultimateTargetClass(singleton);
        }
        Class<?> type = beanFactory.getType(name, false);
        return type == null ? null : ClassUtils.getUserClass(type);
    }

    /** The methods the aspect's pointcut can match: the class's and its superclasses', and its interfaces'. */
    private static Set<Method> annotatedMethods(Class<?> targetClass) {
        Set<Method> annotated = new LinkedHashSet<>();
        ReflectionUtils.doWithMethods(targetClass, annotated::add, m -> m.isAnnotationPresent(Idempotent.class));
        for (Class<?> type : ClassUtils.getAllInterfacesForClassAsSet(targetClass)) {
            for (Method method : type.getMethods()) {
                if (method.isAnnotationPresent(Idempotent.class)) {
                    annotated.add(method);
                }
            }
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
        if (isExcluded(method, targetClass)) {
            return new AnnotatedMethod(method, targetClass, null, null);
        }
        Idempotent annotation = method.getAnnotation(Idempotent.class);
        checkKeyStrategy(method, targetClass, annotation.keyStrategy());
        // The class the call is made on, not the one declaring the method: subclasses keep their records apart.
        Class<?> operationClass = method.getDeclaringClass().isAssignableFrom(targetClass)
                ? targetClass : method.getDeclaringClass();
        IdempotentOperation<Object> operation = idempotency.get().operation(method, operationClass);
        String keyText = annotation.key();
        Expression key = null;
        if (!keyText.isBlank()) {
            String where = "@Idempotent on " + Messages.describe(method, operationClass);
            try {
                key = parser.parseExpression(keyText);
            } catch (ParseException e) {
                throw new IllegalArgumentException(where + ": the key expression '" + keyText
                        + "' is not valid SpEL: " + e.getMessage() + ". Fix the expression, such as"
                        + " key = \"#order.id\".", e);
            }
            KeyExpressions.checkVariables(key, method, parameterNames, where);
        }
        return new AnnotatedMethod(method, operationClass, operation, key);
    }

    /**
     * Refuses an annotation that Spring AOP would never apply: on an interface or superclass method that the bean's
     * class implements or overrides without it, the pointcut sees the method that runs, and annotations on methods
     * are not inherited, so every duplicate would run again. A bean that is itself a JDK proxy of the interface (a
     * Spring Data repository) has no method of its own, and the interface's annotation applies.
     */
    private static void checkApplied(Method annotated, Class<?> targetClass) {
        if (Proxy.isProxyClass(targetClass)) {
            return;
        }
        Method runs = AopUtils.getMostSpecificMethod(annotated, targetClass);
        if (!runs.equals(annotated) && !runs.isAnnotationPresent(Idempotent.class)) {
            throw new IllegalArgumentException("@Idempotent on " + Messages.describe(annotated) + " is never applied"
                    + " to " + targetClass.getSimpleName() + ": " + Messages.describe(runs) + " "
                    + (annotated.getDeclaringClass().isInterface() ? "implements" : "overrides") + " it without the"
                    + " annotation, and Spring AOP applies only the annotation of the method that runs (annotations of"
                    + " interface and overridden methods are not inherited), so every duplicate would run again. Put"
                    + " @Idempotent on " + Messages.describe(runs) + ".");
        }
    }

    /** Whether an {@link IdempotentMethodExclusion} bean leaves the method to another integration. */
    private boolean isExcluded(Method method, Class<?> targetClass) {
        return beanFactory.getBeanProvider(IdempotentMethodExclusion.class).orderedStream()
                .anyMatch(exclusion -> exclusion.excludes(method, targetClass));
    }

    /** In Spring, key strategies are the KeyStrategy beans, by bean name: say so, rather than the core's builder. */
    private void checkKeyStrategy(Method method, Class<?> targetClass, String keyStrategy) {
        if (keyStrategy.isBlank()) {
            return;
        }
        List<String> beans = Arrays.asList(
                BeanFactoryUtils.beanNamesForTypeIncludingAncestors(beanFactory, KeyStrategy.class));
        if (!beans.contains(keyStrategy)) {
            throw new IllegalArgumentException("@Idempotent on " + Messages.describe(method, targetClass)
                    + ": keyStrategy '"
                    + keyStrategy + "' names no KeyStrategy bean. Define a KeyStrategy bean named '" + keyStrategy
                    + "', or use one of " + new TreeSet<>(beans));
        }
    }

    /** How key expressions learn the parameters' names, at startup and at each call alike. */
    ParameterNameDiscoverer parameterNames() {
        return parameterNames;
    }

    /**
     * An annotated method, resolved for the class it is called on: its operation, and its parsed key expression if it
     * has one; no operation when an {@link IdempotentMethodExclusion} leaves the method to another integration.
     */
    record AnnotatedMethod(Method method, Class<?> targetClass, @Nullable IdempotentOperation<Object> operation,
            @Nullable Expression keyExpression) {

        /** How messages name it: {@code EmailSender.send(String, String)}. */
        String description() {
            return Messages.describe(method, targetClass);
        }
    }
}

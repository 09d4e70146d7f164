package dev.idempotency;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import dev.idempotency.internal.DurationParser;
import dev.idempotency.internal.GenericTypes;
import dev.idempotency.internal.LazyTypes;
import dev.idempotency.internal.Messages;
import dev.idempotency.key.KeyStrategy;

/** Reads an {@link Idempotent} method into its operation, refusing what the engine could not protect. */
final class AnnotatedMethods {

    private AnnotatedMethods() {
    }

    static IdempotentOperation<Object> operation(Idempotency idempotency, Method method, Class<?> targetClass) {
        Idempotent annotation = method.getAnnotation(Idempotent.class);
        String description = Messages.describe(method, targetClass);
        String where = "@Idempotent on " + description;
        if (annotation == null) {
            throw new IllegalArgumentException(description + " is not annotated with @Idempotent");
        }
        if (!method.getDeclaringClass().isAssignableFrom(targetClass)) {
            throw new IllegalArgumentException(where + ": the target class " + targetClass.getName()
                    + " does not have this method (it is declared by " + method.getDeclaringClass().getName() + ")");
        }
        String namespace = annotation.name();
        if (namespace.isBlank()) {
            // A JDK proxy's generated class ($Proxy42) changes from run to run: name it after the interface.
            Class<?> named = Proxy.isProxyClass(targetClass) ? method.getDeclaringClass() : targetClass;
            namespace = named.getName() + "." + method.getName();
            checkNoOverloadShares(method, targetClass, namespace);
        }
        Duration ttl = annotation.ttl().isBlank() ? null : DurationParser.parse(annotation.ttl(), "ttl of " + where);
        Duration lease = annotation.lease().isBlank()
                ? null : DurationParser.parse(annotation.lease(), "lease of " + where);
        KeyStrategy strategy = null;
        if (!annotation.keyStrategy().isBlank()) {
            strategy = idempotency.keyStrategy(annotation.keyStrategy());
            if (strategy == null) {
                throw new IllegalArgumentException("Unknown keyStrategy '" + annotation.keyStrategy() + "' of "
                        + where + ": register it with Idempotency.builder().keyStrategy(name, strategy); known: "
                        + idempotency.keyStrategyNames());
            }
        }
        boolean async = CompletionStage.class.isAssignableFrom(method.getReturnType());
        Type resultType;
        try {
            resultType = resultType(method, targetClass, async);
            return idempotency.build(Idempotency.validNamespace(namespace), description, resultType, ttl, lease,
                    annotation.onInProgress(), Arrays.asList(annotation.finalExceptions()), strategy, method,
                    targetClass, async);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    /**
     * The type a replay must return: the generic return type resolved against the target class, the value type of
     * a stage.
     *
     * @throws IllegalArgumentException for a type the engine cannot protect or read back
     */
    private static Type resultType(Method method, Class<?> targetClass, boolean async) {
        Class<?> returned = method.getReturnType();
        if (async && returned != CompletionStage.class && returned != CompletableFuture.class) {
            throw new IllegalArgumentException("an asynchronous method must return CompletionStage or"
                    + " CompletableFuture, but returns " + returned.getSimpleName());
        }
        Class<?>[] parameters = method.getParameterTypes();
        if (parameters.length > 0
                && parameters[parameters.length - 1].getName().equals("kotlin.coroutines.Continuation")) {
            throw new IllegalArgumentException("a Kotlin suspend function returns before its work is done, so the"
                    + " record would complete first; call an idempotent operation from inside the coroutine instead");
        }
        String lazy = LazyTypes.whyNotProtectable(returned);
        if (lazy != null) {
            throw unprotectable(returned, lazy);
        }
        Type type = GenericTypes.resolve(method.getGenericReturnType(), targetClass);
        if (async) {
            type = type instanceof ParameterizedType parameterized
                    ? parameterized.getActualTypeArguments()[0] : Object.class;
            Class<?> value = rawClass(type);
            String lazyValue = value == null ? null : CompletionStage.class.isAssignableFrom(value)
                    ? "a stage of a stage, whose inner work runs after the outer stage completes"
                    : LazyTypes.whyNotProtectable(value);
            if (lazyValue != null) {
                throw unprotectable(returned, "a stage of " + value.getSimpleName() + ", " + lazyValue);
            }
        }
        if (GenericTypes.hasTypeVariable(type)) {
            throw new IllegalArgumentException("the return type " + type.getTypeName() + " cannot be resolved for "
                    + targetClass.getName() + ", so a replay could not be read back as it: declare the type argument"
                    + " in the class (class ReceiptHandler extends Handler<Receipt>) or return a concrete type");
        }
        return type;
    }

    private static @Nullable Class<?> rawClass(Type type) {
        if (type instanceof Class<?> plain) {
            return plain;
        }
        return type instanceof ParameterizedType parameterized ? (Class<?>) parameterized.getRawType() : null;
    }

    static IllegalArgumentException unprotectable(Class<?> type, String why) {
        return new IllegalArgumentException("it returns " + type.getSimpleName() + ", " + why + ": the record would"
                + " complete before that work ran, and a duplicate would replay a result that was never made."
                + " Return the value itself, or a CompletableFuture or CompletionStage of it");
    }

    /**
     * Refuses a method whose default namespace another {@code @Idempotent} method of the class shares: an overload
     * (another parameter list under the same name), whose equal-looking calls would otherwise replay each other.
     */
    private static void checkNoOverloadShares(Method method, Class<?> targetClass, String namespace) {
        List<Method> sharing = new ArrayList<>();
        for (Method candidate : defaultNamespaced(targetClass, method.getName())) {
            if (!Arrays.equals(candidate.getParameterTypes(), method.getParameterTypes())) {
                sharing.add(candidate);
            }
        }
        if (!sharing.isEmpty()) {
            throw new IllegalArgumentException("@Idempotent on " + Messages.describe(method, targetClass) + " and on "
                    + sharing.stream().map(m -> Messages.describe(m, targetClass)).collect(Collectors.joining(", "))
                    + " share the default namespace " + namespace + ", so calls of one with the key of the other"
                    + " would replay each other. Give each overload its own name: @Idempotent(name = \"...\")");
        }
    }

    /**
     * The {@code @Idempotent} methods named {@code name} without a {@code name} of their own that a call on
     * {@code targetClass} can reach, one per parameter list (an override counts once, as does a generic override
     * reached through its bridge).
     */
    private static List<Method> defaultNamespaced(Class<?> targetClass, String name) {
        Map<List<Class<?>>, Method> bySignature = new LinkedHashMap<>();
        Set<List<Class<?>>> bridged = new HashSet<>();
        List<Class<?>> types = new ArrayList<>();
        for (Class<?> type = targetClass; type != null && type != Object.class; type = type.getSuperclass()) {
            types.add(type);
        }
        for (Class<?> type : List.copyOf(types)) {
            collectInterfaces(type, types);
        }
        for (Class<?> type : types) {
            for (Method candidate : type.getDeclaredMethods()) {
                if (!candidate.getName().equals(name) || Modifier.isStatic(candidate.getModifiers())) {
                    continue;
                }
                List<Class<?>> signature = List.of(candidate.getParameterTypes());
                if (candidate.isBridge() || candidate.isSynthetic()) {
                    bridged.add(signature);
                    continue;
                }
                Idempotent annotation = candidate.getAnnotation(Idempotent.class);
                if (annotation != null && annotation.name().isBlank() && !bridged.contains(signature)) {
                    bySignature.putIfAbsent(signature, candidate);
                }
            }
        }
        return List.copyOf(bySignature.values());
    }

    private static void collectInterfaces(Class<?> type, List<Class<?>> into) {
        for (Class<?> implemented : type.getInterfaces()) {
            if (!into.contains(implemented)) {
                into.add(implemented);
                collectInterfaces(implemented, into);
            }
        }
    }

    /**
     * For operations made by name: refuses a result type that is lazy, or a stage (whose value type is the result
     * type of {@link IdempotentOperation#executeAsync}).
     */
    static void checkProtectable(Type resultType) {
        Class<?> raw = resultType instanceof Class<?> plain ? plain
                : resultType instanceof ParameterizedType parameterized ? (Class<?>) parameterized.getRawType() : null;
        if (raw == null) {
            return;
        }
        if (CompletionStage.class.isAssignableFrom(raw)) {
            throw new IllegalArgumentException("the result type is " + raw.getSimpleName() + ": declare the stage's"
                    + " value type (Receipt, not CompletableFuture<Receipt>) and call executeAsync");
        }
        String lazy = LazyTypes.whyNotProtectable(raw);
        if (lazy != null) {
            throw unprotectable(raw, lazy);
        }
    }
}

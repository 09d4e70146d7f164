package dev.idempotency;

import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import dev.idempotency.internal.DurationParser;
import dev.idempotency.internal.Engine;
import dev.idempotency.internal.Messages;
import dev.idempotency.internal.OperationSpec;
import dev.idempotency.key.KeyStrategy;
import dev.idempotency.serialization.JacksonResultSerializer;
import dev.idempotency.serialization.ResultSerializer;
import dev.idempotency.store.IdempotencyStore;
import dev.idempotency.store.InMemoryIdempotencyStore;

import tools.jackson.databind.ObjectMapper;

/**
 * The programmatic entry point: everything {@link Idempotent} does, for code without Spring (and for
 * self-invocation, which proxies do not intercept). Thread-safe; make one per application and share it.
 *
 * <pre>{@code
 * Idempotency idempotency = Idempotency.builder().store(store).build();
 * IdempotentOperation<Receipt> charge = idempotency.operation("payments.charge", Receipt.class).build();
 * Receipt receipt = charge.execute(request.idempotencyKey(), request, () -> gateway.charge(request));
 * }</pre>
 */
public final class Idempotency {

    /** The longest namespace accepted, so that record ids stay well inside every store's key limit. */
    public static final int MAX_NAMESPACE_LENGTH = 255;

    private final IdempotencyStore store;
    private final IdempotencyConfig config;
    private final ResultSerializer serializer;
    private final Map<String, KeyStrategy> keyStrategies;
    private final KeyStrategy defaultKeyStrategy;
    private final Engine engine;
    private final ConcurrentMap<MethodOnClass, IdempotentOperation<Object>> methodOperations =
            new ConcurrentHashMap<>();

    private Idempotency(Builder b) {
        this.store = b.store;
        this.config = b.config;
        this.serializer = b.serializer;
        this.keyStrategies = Map.copyOf(b.keyStrategies);
        this.defaultKeyStrategy = b.defaultKeyStrategy;
        ObjectMapper canonicalBase = serializer instanceof JacksonResultSerializer jackson
                ? jackson.mapper() : JacksonResultSerializer.create().mapper();
        IdempotencyListener listener = switch (b.listeners.size()) {
            case 0 -> IdempotencyListener.NO_OP;
            case 1 -> b.listeners.get(0);
            default -> IdempotencyListener.composite(b.listeners);
        };
        this.engine = new Engine(store, config, serializer, listener, b.observer, canonicalBase);
    }

    /** An instance on a new in-memory store with every default. */
    public static Idempotency create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts an operation named {@code namespace} whose calls return {@code resultType}. */
    public <T> IdempotentOperation.Builder<T> operation(String namespace, Class<T> resultType) {
        return new IdempotentOperation.Builder<>(this, namespace, ResultType.of(resultType));
    }

    /** Starts an operation whose calls return a generic type: {@code new ResultType<List<Order>>() {}}. */
    public <T> IdempotentOperation.Builder<T> operation(String namespace, ResultType<T> resultType) {
        return new IdempotentOperation.Builder<>(this, namespace, resultType);
    }

    /**
     * The operation an {@link Idempotent} method declares, for calls on its declaring class:
     * {@code operation(method, method.getDeclaringClass())}.
     *
     * @throws IllegalArgumentException when the method is not annotated, or an attribute is invalid; the message
     *                                  names the method and the attribute
     */
    public IdempotentOperation<Object> operation(Method method) {
        Objects.requireNonNull(method, "method must not be null");
        return operation(method, method.getDeclaringClass());
    }

    /**
     * The operation an {@link Idempotent} method declares for calls on instances of {@code targetClass} (the class
     * the method is called on, which may inherit it), built once per method and class and cached: namespace, ttl,
     * lease, policy, final exceptions and key strategy from the annotation, the result type from the method's
     * generic return type resolved against {@code targetClass} (for a {@link CompletionStage}, its value type).
     * The default namespace is {@code targetClass}'s name and the method's, so that two subclasses inheriting one
     * annotated method keep their records apart.
     *
     * @throws IllegalArgumentException when the method is not annotated, an attribute is invalid, the return type
     *                                  cannot be protected or resolved, or an overload shares the default namespace;
     *                                  the message names the method and what to change
     */
    public IdempotentOperation<Object> operation(Method method, Class<?> targetClass) {
        Objects.requireNonNull(method, "method must not be null");
        Objects.requireNonNull(targetClass, "targetClass must not be null");
        MethodOnClass key = new MethodOnClass(method, targetClass);
        IdempotentOperation<Object> operation = methodOperations.get(key);
        if (operation == null) {
            operation = methodOperations.computeIfAbsent(key, k -> AnnotatedMethods.operation(this, method,
                    targetClass));
        }
        return operation;
    }

    /**
     * Checks, in a test of your own code, that {@code sample} would replay: it is serialized, held to the store's
     * size limit, read back as {@code type}, and compared with {@link Object#equals}.
     *
     * @throws IllegalArgumentException saying why the sample would not replay
     */
    public <T> void verifyReplayable(@Nullable T sample, ResultType<T> type) {
        Type declared = type.type();
        byte[] bytes;
        try {
            bytes = serializer.serialize(sample, declared);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("A " + declared.getTypeName() + " cannot be serialized: "
                    + e.getMessage(), e);
        }
        if (bytes.length > store.maxResultBytes()) {
            throw new IllegalArgumentException("A " + declared.getTypeName() + " of " + bytes.length
                    + " bytes is above the store's limit of " + store.maxResultBytes() + " bytes");
        }
        Object back;
        try {
            back = serializer.deserialize(bytes, declared);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("A " + declared.getTypeName() + " cannot be read back: "
                    + e.getMessage(), e);
        }
        if (!Objects.equals(sample, back)) {
            throw new IllegalArgumentException("A " + declared.getTypeName() + " does not read back equal: wrote "
                    + sample + ", read " + back + " (does the type implement equals?)");
        }
    }

    /** {@link #verifyReplayable(Object, ResultType)} for a non-generic type. */
    public <T> void verifyReplayable(@Nullable T sample, Class<T> type) {
        verifyReplayable(sample, ResultType.of(type));
    }

    public IdempotencyStore store() {
        return store;
    }

    public IdempotencyConfig config() {
        return config;
    }

    @Override
    public String toString() {
        return "Idempotency[store=" + store + ", " + config + "]";
    }

    /** The key strategy registered as {@code name}, or null. */
    @Nullable KeyStrategy keyStrategy(String name) {
        return keyStrategies.get(name);
    }

    /** The names of the registered key strategies, sorted, for messages. */
    String keyStrategyNames() {
        return keyStrategies.keySet().stream().sorted().collect(Collectors.joining(", ", "[", "]"));
    }

    <T> IdempotentOperation<T> build(String namespace, String description, Type resultType,
            @Nullable Duration ttl, @Nullable Duration lease, InProgressPolicy inProgress,
            List<Class<? extends Throwable>> finalExceptions, @Nullable KeyStrategy keyStrategy,
            @Nullable Method method, @Nullable Class<?> targetClass, boolean async) {
        Duration effectiveTtl = IdempotencyConfig.withinMaxTtl(ttl != null ? ttl : config.ttl());
        // A lease left unset everywhere follows a shorter ttl, so that a short ttl alone works; a lease that is set,
        // on the operation or in the configuration, must fit, or a long body would lose its key.
        Duration effectiveLease;
        if (lease != null) {
            effectiveLease = lease;
        } else if (config.isLeaseSet() && config.lease().compareTo(effectiveTtl) > 0) {
            throw new IllegalArgumentException("the configured lease (" + config.lease() + ") is longer than this"
                    + " operation's ttl (" + effectiveTtl + "): a record would expire while its call still runs. Set"
                    + " a lease of its own (at most the ttl), or a longer ttl.");
        } else {
            effectiveLease = IdempotencyConfig.shorterOf(config.lease(), effectiveTtl);
        }
        IdempotencyConfig.checkLeaseWithinTtl(effectiveLease, effectiveTtl);
        OperationSpec.checkRebuildable(finalExceptions);
        InProgressPolicy policy = inProgress == InProgressPolicy.DEFAULT ? config.inProgressPolicy() : inProgress;
        OperationSpec spec = OperationSpec.of(namespace, description, resultType, effectiveTtl, effectiveLease,
                policy, finalExceptions, targetClass == null ? null : targetClass.getClassLoader());
        return new IdempotentOperation<>(engine, spec, keyStrategy != null ? keyStrategy : defaultKeyStrategy,
                method, async);
    }

    /** The cache key of an annotated method's operation: the method, and the class it is called on. */
    private record MethodOnClass(Method method, Class<?> targetClass) {
    }

    static String validNamespace(String namespace) {
        Objects.requireNonNull(namespace, "namespace must not be null");
        if (namespace.isBlank()) {
            throw new IllegalArgumentException("namespace must not be blank");
        }
        if (namespace.length() > MAX_NAMESPACE_LENGTH) {
            throw new IllegalArgumentException("namespace must be at most " + MAX_NAMESPACE_LENGTH
                    + " characters, but was " + namespace.length() + ": set a shorter name");
        }
        return namespace;
    }

    /** Builds an {@link Idempotency}. */
    public static final class Builder {

        private IdempotencyStore store = InMemoryIdempotencyStore.create();
        private IdempotencyConfig config = IdempotencyConfig.defaults();
        private ResultSerializer serializer = JacksonResultSerializer.create();
        private final List<IdempotencyListener> listeners = new ArrayList<>();
        private IdempotencyObserver observer = IdempotencyObserver.NO_OP;
        private final Map<String, KeyStrategy> keyStrategies = new LinkedHashMap<>();
        private KeyStrategy defaultKeyStrategy = KeyStrategy.defaultStrategy();

        private Builder() {
        }

        /** Where records live; default a new {@link InMemoryIdempotencyStore}. */
        public Builder store(IdempotencyStore store) {
            this.store = Objects.requireNonNull(store, "store must not be null");
            return this;
        }

        /** The settings; default {@link IdempotencyConfig#defaults()}. */
        public Builder config(IdempotencyConfig config) {
            this.config = Objects.requireNonNull(config, "config must not be null");
            return this;
        }

        /** How results are kept; default {@link JacksonResultSerializer#create()}. */
        public Builder serializer(ResultSerializer serializer) {
            this.serializer = Objects.requireNonNull(serializer, "serializer must not be null");
            return this;
        }

        /** Adds a listener told about every call's outcome; none by default. */
        public Builder listener(IdempotencyListener listener) {
            this.listeners.add(Objects.requireNonNull(listener, "listener must not be null"));
            return this;
        }

        /** Observes each call from start to outcome (tracing); none by default. */
        public Builder observer(IdempotencyObserver observer) {
            this.observer = Objects.requireNonNull(observer, "observer must not be null");
            return this;
        }

        /** Registers a key strategy that {@code @Idempotent(keyStrategy = name)} picks. */
        public Builder keyStrategy(String name, KeyStrategy strategy) {
            Objects.requireNonNull(name, "name must not be null");
            Objects.requireNonNull(strategy, "strategy must not be null");
            if (name.isBlank()) {
                throw new IllegalArgumentException("a key strategy's name must not be blank");
            }
            this.keyStrategies.put(name, strategy);
            return this;
        }

        /** The key strategy of operations that choose none; default {@link KeyStrategy#defaultStrategy()}. */
        public Builder defaultKeyStrategy(KeyStrategy strategy) {
            this.defaultKeyStrategy = Objects.requireNonNull(strategy, "strategy must not be null");
            return this;
        }

        public Idempotency build() {
            return new Idempotency(this);
        }
    }
}

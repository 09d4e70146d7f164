package dev.idempotency;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.jspecify.annotations.Nullable;

import dev.idempotency.internal.Engine;
import dev.idempotency.internal.Messages;
import dev.idempotency.internal.OperationSpec;
import dev.idempotency.key.Invocation;
import dev.idempotency.key.KeyStrategy;

/**
 * One idempotent operation, ready to run calls: its namespace, result type, retention, lease, in-progress policy,
 * final exceptions and key strategy. Immutable and thread-safe; build it once and reuse it. Get one from
 * {@link Idempotency#operation(String, Class)} or {@link Idempotency#operation(Method)}.
 *
 * @param <T> the result type (for an asynchronous operation, the type of the stage's value)
 */
public final class IdempotentOperation<T> {

    private final Engine engine;
    private final OperationSpec spec;
    private final KeyStrategy keyStrategy;
    private final @Nullable Method method;
    private final boolean async;

    IdempotentOperation(Engine engine, OperationSpec spec, KeyStrategy keyStrategy, @Nullable Method method,
            boolean async) {
        this.engine = engine;
        this.spec = spec;
        this.keyStrategy = keyStrategy;
        this.method = method;
        this.async = async;
    }

    /**
     * Runs {@code body} once for {@code key}: the first call runs it and keeps its result; a duplicate with an equal
     * {@code payload} gets an equal result back without running it; a duplicate with another payload gets
     * {@link IdempotencyPayloadMismatchException}. What {@code body} throws reaches the caller unchanged.
     *
     * @param key     what makes two calls the same request (a client token, an order id); hashed before storing
     * @param payload what the request asks for (the arguments that matter), fingerprinted; {@code null} for none
     */
    public <E extends Throwable> T execute(@Nullable Object key, @Nullable Object payload,
            IdempotentSupplier<? extends T, E> body) throws E {
        Objects.requireNonNull(body, "body must not be null");
        return engine.execute(spec, key, payload, body);
    }

    /** {@link #execute(Object, Object, IdempotentSupplier)} without a payload: the key alone decides. */
    public <E extends Throwable> T execute(@Nullable Object key, IdempotentSupplier<? extends T, E> body) throws E {
        return execute(key, null, body);
    }

    /**
     * Runs {@code body} for an invocation of this operation's method: the key comes from the key strategy, the
     * payload is all arguments. This is what the {@link Idempotent} integrations call.
     *
     * @throws IllegalStateException when the operation was not made from a method
     */
    public <E extends Throwable> T invoke(Object[] arguments, IdempotentSupplier<? extends T, E> body) throws E {
        return execute(keyOf(arguments), Arrays.asList(arguments), body);
    }

    /**
     * The asynchronous form of {@link #execute(Object, Object, IdempotentSupplier)}: the key is claimed now, and the
     * record completes (or is released) when the body's stage settles, before the returned future does. A
     * duplicate gets an already settled future; framework errors arrive as a failed future. What {@code body}
     * throws before it returns its stage is settled as a synchronous body's exception (kept when it is final,
     * released otherwise) and rethrown unchanged.
     */
    public <E extends Throwable> CompletableFuture<T> executeAsync(@Nullable Object key, @Nullable Object payload,
            IdempotentSupplier<? extends CompletionStage<? extends T>, E> body) throws E {
        Objects.requireNonNull(body, "body must not be null");
        return engine.executeAsync(spec, key, payload, body);
    }

    /** The asynchronous form of {@link #invoke(Object[], IdempotentSupplier)}. */
    public <E extends Throwable> CompletableFuture<T> invokeAsync(Object[] arguments,
            IdempotentSupplier<? extends CompletionStage<? extends T>, E> body) throws E {
        Object key;
        try {
            key = keyOf(arguments);
        } catch (IdempotencyKeyException e) {
            return CompletableFuture.failedFuture(e);
        }
        return executeAsync(key, Arrays.asList(arguments), body);
    }

    /** The namespace of this operation's records. */
    public String namespace() {
        return spec.namespace();
    }

    public Duration ttl() {
        return spec.ttl();
    }

    public Duration lease() {
        return spec.lease();
    }

    /** REJECT or WAIT, defaults applied. */
    public InProgressPolicy inProgressPolicy() {
        return spec.inProgress();
    }

    /** Whether the operation returns a {@link CompletionStage}, and {@link #resultType()} is its value type. */
    public boolean isAsync() {
        return async;
    }

    /** The declared result type (for an asynchronous operation, the stage's value type). */
    public java.lang.reflect.Type resultType() {
        return spec.resultType();
    }

    public List<Class<? extends Throwable>> finalExceptions() {
        return spec.finalExceptions();
    }

    private @Nullable Object keyOf(Object[] arguments) {
        if (method == null) {
            throw new IllegalStateException("operation " + spec.namespace()
                    + " was not made from a method: call execute(key, payload, body)");
        }
        try {
            return keyStrategy.key(new Invocation(method, arguments));
        } catch (RuntimeException e) {
            throw new IdempotencyKeyException(spec.namespace(), "The key strategy of " + spec.description()
                    + " (namespace " + spec.namespace() + ") failed with " + Messages.causeType(e)
                    + ". Fix the strategy or the arguments; the body did not run.", e);
        }
    }

    @Override
    public String toString() {
        return "IdempotentOperation[" + spec.namespace() + ", result=" + spec.resultType().getTypeName()
                + ", ttl=" + spec.ttl() + ", lease=" + spec.lease() + ", inProgress=" + spec.inProgress() + "]";
    }

    /** Builds an {@link IdempotentOperation}; unset values take the {@link IdempotencyConfig} defaults. */
    public static final class Builder<T> {

        private final Idempotency idempotency;
        private final String namespace;
        private final ResultType<T> resultType;
        private @Nullable Duration ttl;
        private @Nullable Duration lease;
        private InProgressPolicy inProgress = InProgressPolicy.DEFAULT;
        private List<Class<? extends Throwable>> finalExceptions = List.of();
        private @Nullable KeyStrategy keyStrategy;

        Builder(Idempotency idempotency, String namespace, ResultType<T> resultType) {
            this.idempotency = idempotency;
            this.namespace = Idempotency.validNamespace(namespace);
            this.resultType = Objects.requireNonNull(resultType, "resultType must not be null");
        }

        /** How long completed calls are remembered; default {@link IdempotencyConfig#ttl()}. */
        public Builder<T> ttl(Duration ttl) {
            this.ttl = IdempotencyConfig.withinMaxTtl(IdempotencyConfig.positive(ttl, "ttl"));
            return this;
        }

        /** How long a running call owns its key; default {@link IdempotencyConfig#lease()}. */
        public Builder<T> lease(Duration lease) {
            this.lease = IdempotencyConfig.positive(lease, "lease");
            return this;
        }

        /** What a duplicate of a running call does; default {@link IdempotencyConfig#inProgressPolicy()}. */
        public Builder<T> onInProgress(InProgressPolicy policy) {
            this.inProgress = Objects.requireNonNull(policy, "policy must not be null");
            return this;
        }

        /** Exception types kept and replayed to duplicates, instead of releasing the key. */
        @SafeVarargs
        public final Builder<T> finalExceptions(Class<? extends Throwable>... types) {
            this.finalExceptions = List.of(types);
            return this;
        }

        /** How {@link IdempotentOperation#invoke} reads keys; default {@link KeyStrategy#defaultStrategy()}. */
        public Builder<T> keyStrategy(KeyStrategy keyStrategy) {
            this.keyStrategy = Objects.requireNonNull(keyStrategy, "keyStrategy must not be null");
            return this;
        }

        /**
         * @throws IllegalArgumentException when the lease is longer than the ttl, a final exception type cannot be
         *                                  rebuilt for a replay, or the result type cannot be protected (a lazy type
         *                                  such as a Future or a reactive publisher, or a stage)
         */
        public IdempotentOperation<T> build() {
            String description = "operation '" + namespace + "'";
            try {
                AnnotatedMethods.checkProtectable(resultType.type());
                return idempotency.build(namespace, description, resultType.type(), ttl, lease, inProgress,
                        finalExceptions, keyStrategy, null, null, false);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(description + ": " + e.getMessage(), e);
            }
        }
    }
}

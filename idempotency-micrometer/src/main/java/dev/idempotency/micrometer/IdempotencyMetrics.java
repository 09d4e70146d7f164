package dev.idempotency.micrometer;

import java.lang.reflect.Proxy;
import java.util.Locale;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyListener;
import dev.idempotency.IdempotencyObserver;
import dev.idempotency.store.IdempotencyStore;
import dev.idempotency.store.InMemoryIdempotencyStore;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;

/**
 * Micrometer instrumentation of an {@link Idempotency}: a listener and an observer to register on its builder.
 * Without Spring Boot, one line:
 *
 * <pre>{@code
 * Idempotency idempotency = IdempotencyMetrics.of(meterRegistry, store)
 *         .bindTo(Idempotency.builder().store(store))
 *         .build();
 * }</pre>
 *
 * <p>With tracing too, give the {@link ObservationRegistry}:
 *
 * <pre>{@code
 * IdempotencyMetrics metrics = IdempotencyMetrics.builder()
 *         .meterRegistry(meterRegistry)
 *         .observationRegistry(observationRegistry)
 *         .store(store)
 *         .build();
 * }</pre>
 *
 * <p>What it records (the README's table lists every tag value):
 * <ul>
 * <li>{@value #CALLS}: a counter of calls, tagged {@code namespace} and {@code outcome} (one per call, the
 * {@link dev.idempotency.CallOutcome} in lower case: {@code executed}, {@code replayed_from_cache}, ...);</li>
 * <li>{@value #EVENTS}: a counter of what went wrong on the way without changing the outcome, tagged
 * {@code namespace} and {@code event} ({@code lease_lost}, {@code result_not_kept}, {@code store_failure});</li>
 * <li>{@value #STORE_REQUESTS}: a timer of every store request the engine sends (retries included), tagged
 * {@code store}, {@code operation} ({@code claim}, {@code complete}, {@code release}, {@code find}) and
 * {@code result} ({@code success}, {@code failure});</li>
 * <li>{@value #OBSERVATION}: an {@code Observation} of each call with the low-cardinality key values
 * {@code namespace} and {@code outcome}, and the error the caller got.</li>
 * </ul>
 *
 * <p>The namespace is one per operation (the annotated method, or the name given to
 * {@link Idempotency#operation(String, Class)}), so tags stay bounded as long as namespaces are not made per request.
 * Keys and record ids never reach a tag or a key value. Immutable and thread-safe; instances on one registry share
 * their meters, so several {@link Idempotency} instances on the same store may share one.
 *
 * <p>In Spring Boot, {@code IdempotencyMetricsAutoConfiguration} does all this for the application's registries.
 */
public final class IdempotencyMetrics {

    /** The counter of calls by namespace and outcome. */
    public static final String CALLS = "idempotency.calls";
    /** The counter of lost leases, results not kept and store failures, by namespace and event. */
    public static final String EVENTS = "idempotency.events";
    /** The timer of store requests by store, operation and result. */
    public static final String STORE_REQUESTS = "idempotency.store.requests";
    /** The name of the observation of each call (and of the timer Micrometer's meter handler makes of it). */
    public static final String OBSERVATION = "idempotency.call";

    private final @Nullable MeterRegistry meterRegistry;
    private final @Nullable ObservationRegistry observationRegistry;
    private final @Nullable String storeType;
    private final IdempotencyListener listener;
    private final IdempotencyObserver observer;

    private IdempotencyMetrics(Builder builder) {
        this.meterRegistry = builder.meterRegistry;
        this.observationRegistry = builder.observationRegistry;
        this.storeType = builder.storeType;
        this.listener = meterRegistry == null || storeType == null
                ? IdempotencyListener.NO_OP : new MeterListener(meterRegistry, storeType);
        this.observer = new CallObserver(meterRegistry, observationRegistry);
    }

    /** Counters and store timers in {@code meterRegistry}, the {@code store} tag taken from {@code store}. */
    public static IdempotencyMetrics of(MeterRegistry meterRegistry, IdempotencyStore store) {
        return builder().meterRegistry(meterRegistry).store(store).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The short name of a store for the {@code store} tag: {@code memory} for {@link InMemoryIdempotencyStore}, else
     * the class's simple name without {@code IdempotencyStore}, in lower case ({@code dynamodb}, {@code jdbc},
     * {@code redis}, the same words as {@code idempotency.store.type}); {@code custom} for an anonymous class or an
     * interface proxy. A generated subclass (a CGLIB or Byte Buddy proxy, whose name holds {@code $$}) is named after
     * the class it extends, so the tag stays one fixed word across restarts.
     */
    public static String storeType(IdempotencyStore store) {
        Objects.requireNonNull(store, "store must not be null");
        if (store instanceof InMemoryIdempotencyStore) {
            return "memory";
        }
        if (Proxy.isProxyClass(store.getClass())) {
            return "custom";
        }
        Class<?> type = store.getClass();
        while (type.getName().contains("$$") && type.getSuperclass() != Object.class) {
            type = type.getSuperclass();
        }
        String name = type.getSimpleName();
        String suffix = "IdempotencyStore";
        if (name.endsWith(suffix) && name.length() > suffix.length()) {
            name = name.substring(0, name.length() - suffix.length());
        }
        return name.isEmpty() ? "custom" : name.toLowerCase(Locale.ROOT);
    }

    /** The listener that counts events and times store requests; a no-op without a meter registry. */
    public IdempotencyListener listener() {
        return listener;
    }

    /** The observer that counts each call by outcome and makes an observation of it. */
    public IdempotencyObserver observer() {
        return observer;
    }

    /**
     * Registers {@link #listener()} and {@link #observer()} on {@code builder} (the observer replaces any other the
     * builder had); returns the builder.
     */
    public Idempotency.Builder bindTo(Idempotency.Builder builder) {
        Objects.requireNonNull(builder, "builder must not be null");
        return builder.listener(listener).observer(observer);
    }

    @Override
    public String toString() {
        return "IdempotencyMetrics[meterRegistry="
                + (meterRegistry == null ? "none" : meterRegistry.getClass().getSimpleName())
                + ", observationRegistry=" + (observationRegistry == null ? "none" : "set")
                + ", store=" + storeType + "]";
    }

    /** Builds {@link IdempotencyMetrics}: a meter registry, an observation registry, or both. */
    public static final class Builder {

        private @Nullable MeterRegistry meterRegistry;
        private @Nullable ObservationRegistry observationRegistry;
        private @Nullable String storeType;

        private Builder() {
        }

        /** Where the counters and timers go; none by default (then only observations are made). */
        public Builder meterRegistry(MeterRegistry meterRegistry) {
            this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry must not be null");
            return this;
        }

        /** Where each call's observation goes; none by default (then no observation is made). */
        public Builder observationRegistry(ObservationRegistry observationRegistry) {
            this.observationRegistry =
                    Objects.requireNonNull(observationRegistry, "observationRegistry must not be null");
            return this;
        }

        /** The store the {@link Idempotency} uses, for the {@code store} tag: {@link #storeType(IdempotencyStore)}. */
        public Builder store(IdempotencyStore store) {
            this.storeType = IdempotencyMetrics.storeType(store);
            return this;
        }

        /** The {@code store} tag itself, such as {@code redis}: a short, fixed word, never an address. */
        public Builder storeType(String storeType) {
            Objects.requireNonNull(storeType, "storeType must not be null");
            if (storeType.isBlank()) {
                throw new IllegalArgumentException("storeType must not be blank");
            }
            this.storeType = storeType.trim();
            return this;
        }

        /**
         * @throws IllegalStateException when neither registry is set, or a meter registry is set without the store
         */
        public IdempotencyMetrics build() {
            if (meterRegistry == null && observationRegistry == null) {
                throw new IllegalStateException("IdempotencyMetrics needs a meterRegistry, an observationRegistry, or"
                        + " both");
            }
            if (meterRegistry != null && storeType == null) {
                throw new IllegalStateException("IdempotencyMetrics with a meterRegistry needs the store, for the"
                        + " store tag of " + STORE_REQUESTS + ": call store(store) or storeType(\"redis\")");
            }
            return new IdempotencyMetrics(this);
        }
    }
}

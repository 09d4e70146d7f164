package dev.idempotency.micrometer;

import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * The meters of the namespaces in use, so that a call finds its counter without building a meter id. Bounded: an
 * application with more namespaces than this (one per tenant, say, capped by a {@code MeterFilter}) still counts
 * every call, through the registry, which hands back the meter it holds; it does not keep every namespace it ever
 * saw alive.
 */
final class PerNamespace<V> {

    /** Namespaces kept at hand; an application has a few dozen operations. */
    static final int MAX_NAMESPACES = 1_000;

    private final Cache<String, V> values = Caffeine.newBuilder().maximumSize(MAX_NAMESPACES)
            .executor(Runnable::run).build();
    private final Function<String, V> create;

    PerNamespace(Function<String, V> create) {
        this.create = create;
    }

    V get(String namespace) {
        return values.get(namespace, create);
    }
}

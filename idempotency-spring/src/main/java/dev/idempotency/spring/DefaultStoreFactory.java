package dev.idempotency.spring;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.core.env.PropertyResolver;
import org.springframework.core.io.support.SpringFactoriesLoader;

import dev.idempotency.store.IdempotencyStore;
import dev.idempotency.store.InMemoryIdempotencyStore;

/**
 * Makes the store that {@code idempotency.store.type} names, for an application without an {@link IdempotencyStore}
 * bean: {@code memory}, or the type of an {@link IdempotencyStoreProvider} that a store module lists in its
 * {@code META-INF/spring.factories}. At shutdown it closes what the providers opened.
 */
final class DefaultStoreFactory implements DisposableBean {

    static final String MEMORY = "memory";

    private final BeanFactory beanFactory;
    private final ClassLoader classLoader;
    private final int adviceOrder;
    private final List<AutoCloseable> opened = new CopyOnWriteArrayList<>();

    DefaultStoreFactory(BeanFactory beanFactory, ClassLoader classLoader, int adviceOrder) {
        this.beanFactory = beanFactory;
        this.classLoader = classLoader;
        this.adviceOrder = adviceOrder;
    }

    IdempotencyStore create(IdempotencyProperties properties, PropertyResolver environment) {
        String type = properties.getStore().getType().trim().toLowerCase(Locale.ROOT);
        if (type.equals(MEMORY)) {
            return InMemoryIdempotencyStore.create();
        }
        Map<String, IdempotencyStoreProvider> providers = providers();
        IdempotencyStoreProvider provider = providers.get(type);
        if (provider == null) {
            throw IdempotencyStoreProviderContext.invalid("idempotency.store.type", properties.getStore().getType(),
                    "memory" + (providers.isEmpty() ? "" : " or one of " + providers.keySet())
                            + ". Other types come from their store modules: add the module's dependency"
                            + " (dev.idempotency:idempotency-" + type + "), or define an IdempotencyStore bean");
        }
        return provider.create(new IdempotencyStoreProviderContext(type, environment, beanFactory, opened::add,
                adviceOrder));
    }

    /** The providers on the class path, by type; two modules claiming one type is a mistake worth stopping at. */
    private Map<String, IdempotencyStoreProvider> providers() {
        Map<String, IdempotencyStoreProvider> byType = new TreeMap<>();
        for (IdempotencyStoreProvider provider
                : SpringFactoriesLoader.forDefaultResourceLocation(classLoader).load(IdempotencyStoreProvider.class)) {
            String type = provider.type().toLowerCase(Locale.ROOT);
            IdempotencyStoreProvider other = byType.putIfAbsent(type, provider);
            if (other != null || type.equals(MEMORY)) {
                throw new IllegalStateException("Two idempotency store providers claim idempotency.store.type="
                        + type + ": " + (other == null ? "the built-in memory store" : other.getClass().getName())
                        + " and " + provider.getClass().getName() + ". Remove one of their modules.");
            }
        }
        return byType;
    }

    @Override
    public void destroy() throws Exception {
        Exception failure = null;
        for (AutoCloseable resource : opened) {
            try {
                resource.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}

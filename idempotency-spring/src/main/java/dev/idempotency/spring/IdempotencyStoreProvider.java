package dev.idempotency.spring;

import dev.idempotency.store.IdempotencyStore;

/**
 * Contributes a store to {@code idempotency.store.type}: a store module implements this and lists the class in its
 * {@code META-INF/spring.factories} under this interface's name, so that adding the module's dependency is all an
 * application does to use it. The Spring module itself names no store but the in-memory one.
 *
 * <pre>{@code
 * # META-INF/spring.factories of a store module
 * dev.idempotency.spring.IdempotencyStoreProvider=com.acme.idempotency.CassandraStoreProvider
 * }</pre>
 *
 * <p>A provider reads its own {@code idempotency.<type>.*} properties and the application's beans through the
 * {@link IdempotencyStoreProviderContext}. It is only asked when the application defines no
 * {@link IdempotencyStore} bean and {@code idempotency.store.type} names its {@link #type()}. Implementations need a
 * public no-argument constructor.
 */
public interface IdempotencyStoreProvider {

    /**
     * The value of {@code idempotency.store.type} that picks this store, in lower case ({@code "cassandra"}), and
     * the middle of its properties' names ({@code idempotency.cassandra.*}).
     */
    String type();

    /**
     * Makes the store. Throw {@link IllegalArgumentException} (made with
     * {@link IdempotencyStoreProviderContext#invalid}) or {@link IllegalStateException} with a message naming the
     * property when the configuration is wrong: it fails the application's startup.
     */
    IdempotencyStore create(IdempotencyStoreProviderContext context);
}

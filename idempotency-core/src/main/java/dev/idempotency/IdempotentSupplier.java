package dev.idempotency;

/**
 * The body of an idempotent call. It may throw a checked exception of type {@code E}, which reaches the caller
 * unchanged; a lambda that throws nothing infers {@code E} as {@link RuntimeException}.
 */
@FunctionalInterface
public interface IdempotentSupplier<T, E extends Throwable> {

    T get() throws E;
}

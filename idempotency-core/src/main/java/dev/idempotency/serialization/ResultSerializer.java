package dev.idempotency.serialization;

import java.lang.reflect.Type;

import org.jspecify.annotations.Nullable;

/**
 * Turns a call's result into bytes for the store, and the bytes back into an equal value of the declared type
 * (generics included). Implementations are thread-safe. Throw any runtime exception when a value cannot be
 * written or read: the engine turns it into the behaviour SEMANTICS.md describes (the result is not kept, or the
 * replay fails with a typed error).
 */
public interface ResultSerializer {

    /** The bytes of {@code value}, declared as {@code type}. {@code null} values are valid results. */
    byte[] serialize(@Nullable Object value, Type type);

    /** The value that {@code bytes} hold, as {@code type}. */
    @Nullable Object deserialize(byte[] bytes, Type type);
}

package dev.idempotency;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Objects;

/**
 * The declared type of a call's result, generics included, so that a replay returns an equal value of that type.
 * {@code ResultType.of(Order.class)}, or for generic types an anonymous subclass:
 * {@code new ResultType<List<Order>>() {}}.
 */
public abstract class ResultType<T> {

    private final Type type;

    /** Captures the type argument of an anonymous subclass. */
    protected ResultType() {
        Type superclass = getClass().getGenericSuperclass();
        if (!(superclass instanceof ParameterizedType parameterized)) {
            throw new IllegalStateException(
                    "ResultType needs a type argument: write new ResultType<List<Order>>() {}");
        }
        this.type = parameterized.getActualTypeArguments()[0];
    }

    private ResultType(Type type) {
        this.type = Objects.requireNonNull(type, "type must not be null");
    }

    public static <T> ResultType<T> of(Class<T> type) {
        return new ResultType<>(type) {
        };
    }

    /** A result type from reflection, such as {@link java.lang.reflect.Method#getGenericReturnType()}. */
    public static ResultType<Object> of(Type type) {
        return new ResultType<>(type) {
        };
    }

    public Type type() {
        return type;
    }

    /** Whether the call returns nothing ({@code void} or {@link Void}). */
    public boolean isVoid() {
        return type == void.class || type == Void.class;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ResultType<?> other && type.equals(other.type);
    }

    @Override
    public int hashCode() {
        return type.hashCode();
    }

    @Override
    public String toString() {
        return type.getTypeName();
    }
}

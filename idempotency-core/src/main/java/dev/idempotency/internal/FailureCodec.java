package dev.idempotency.internal;

import java.lang.reflect.Constructor;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import tools.jackson.databind.ObjectMapper;

/**
 * Keeps a final exception as its type and message, and rebuilds an equivalent exception on replay. Only types
 * assignable to one of the operation's declared final exception types are ever loaded, so the store cannot make
 * the engine instantiate arbitrary classes.
 */
final class FailureCodec {

    private final ObjectMapper mapper;

    FailureCodec(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    byte[] encode(Throwable failure) {
        String message = failure.getMessage();
        return mapper.writeValueAsBytes(Map.of("type", failure.getClass().getName(),
                "message", message == null ? "" : message));
    }

    /**
     * An exception equal in type and message to the kept one, or {@code null} when neither it nor a declared
     * type it belongs to can be built.
     */
    @Nullable Throwable decode(byte[] bytes, List<Class<? extends Throwable>> declared) {
        Map<?, ?> kept = mapper.readValue(bytes, Map.class);
        String typeName = String.valueOf(kept.get("type"));
        Object rawMessage = kept.get("message");
        String message = rawMessage == null || "".equals(rawMessage) ? null : rawMessage.toString();
        for (Class<? extends Throwable> type : declared) {
            Class<? extends Throwable> exact = load(typeName, type);
            if (exact != null) {
                Throwable rebuilt = instantiate(exact, message);
                return rebuilt != null ? rebuilt : instantiate(type, message);
            }
        }
        return null;
    }

    private static @Nullable Class<? extends Throwable> load(String name, Class<? extends Throwable> declared) {
        if (declared.getName().equals(name)) {
            return declared;
        }
        try {
            Class<?> loaded = Class.forName(name, false, declared.getClassLoader());
            return declared.isAssignableFrom(loaded) ? loaded.asSubclass(Throwable.class) : null;
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    private static @Nullable Throwable instantiate(Class<? extends Throwable> type, @Nullable String message) {
        try {
            Constructor<? extends Throwable> withMessage = type.getDeclaredConstructor(String.class);
            withMessage.setAccessible(true);
            return withMessage.newInstance(message);
        } catch (ReflectiveOperationException | RuntimeException e) {
            try {
                Constructor<? extends Throwable> bare = type.getDeclaredConstructor();
                bare.setAccessible(true);
                return bare.newInstance();
            } catch (ReflectiveOperationException | RuntimeException ignored) {
                return null;
            }
        }
    }
}

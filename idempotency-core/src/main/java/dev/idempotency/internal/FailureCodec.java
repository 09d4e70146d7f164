package dev.idempotency.internal;

import java.lang.reflect.Constructor;
import java.lang.reflect.Modifier;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import tools.jackson.databind.ObjectMapper;

/**
 * Keeps a final exception as its type, the declared final type it belongs to, and its message, and rebuilds an
 * equivalent exception on replay. Only types assignable to one of the operation's declared final exception types are
 * ever loaded, never initialised before they are known to be such a subtype, and only through public constructors,
 * so that a tampered record cannot make the engine run a private constructor or the initialiser of any other class.
 */
final class FailureCodec {

    private final ObjectMapper mapper;

    FailureCodec(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** The most constructor arguments tried to find what reproduces a message; each try builds an exception. */
    private static final int MAX_ARGUMENTS_TRIED = 64;

    byte[] encode(Throwable failure, List<Class<? extends Throwable>> declared) {
        String message = failure.getMessage();
        Map<String, String> kept = new LinkedHashMap<>();
        kept.put("type", failure.getClass().getName());
        for (Class<? extends Throwable> type : declared) {
            if (type.isInstance(failure)) {
                kept.put("declared", type.getName());
                break;
            }
        }
        kept.put("message", message == null ? "" : message);
        String argument = reproducingArgument(failure.getClass(), message);
        if (argument != null && !argument.equals(message)) {
            kept.put("argument", argument);
        }
        return mapper.writeValueAsBytes(kept);
    }

    /**
     * What to pass to the type's {@code (String)} constructor so that the exception says {@code message}: the
     * message itself, for most types; for a type whose constructor takes a value and writes the message around it
     * ({@code new OrderNotFoundException(orderId)} saying "Order o-1 not found"), the word of the message that does.
     * {@code null} when none does.
     */
    private static @Nullable String reproducingArgument(Class<? extends Throwable> type, @Nullable String message) {
        if (message == null || !Modifier.isPublic(type.getModifiers())) {
            return null;
        }
        Set<String> candidates = new LinkedHashSet<>();
        candidates.add(message);
        String[] words = message.split("\\s+");
        for (int i = 0; i < words.length && candidates.size() < MAX_ARGUMENTS_TRIED; i++) {
            candidates.add(words[i]);
            candidates.add(words[i].replaceAll("^[\\p{Punct}]+|[\\p{Punct}]+$", ""));
            if (i + 1 < words.length) {
                candidates.add(words[i] + " " + words[i + 1]);
            }
        }
        for (String candidate : candidates) {
            Throwable built = construct(type, candidate);
            if (built != null && message.equals(built.getMessage())) {
                return candidate;
            }
        }
        return null;
    }

    private static @Nullable Throwable construct(Class<? extends Throwable> type, String argument) {
        try {
            return type.getConstructor(String.class).newInstance(argument);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null;
        }
    }

    /**
     * An exception equal in type and message to the kept one; when its own type cannot be found or built, one of
     * the declared final type it belonged to.
     *
     * @throws UnreadableFailureException saying why neither can be rebuilt
     */
    Throwable decode(byte[] bytes, OperationSpec op) {
        Map<?, ?> kept;
        try {
            kept = mapper.readValue(bytes, Map.class);
        } catch (RuntimeException e) {
            throw new UnreadableFailureException("the kept exception is not the JSON this framework writes ("
                    + Messages.causeType(e) + ")", e);
        }
        if (kept == null) {
            throw new UnreadableFailureException("the kept exception is not the JSON this framework writes (null)",
                    null);
        }
        Object typeName = kept.get("type");
        if (!(typeName instanceof String exactName)) {
            throw new UnreadableFailureException("the kept exception names no type", null);
        }
        Object rawMessage = kept.get("message");
        String message = rawMessage == null || "".equals(rawMessage) ? null : rawMessage.toString();
        Object argument = kept.get("argument");
        List<Class<? extends Throwable>> declared = op.finalExceptions();
        for (Class<? extends Throwable> type : declared) {
            Class<? extends Throwable> exact = load(exactName, type, op.classLoader());
            if (exact != null || type.getName().equals(kept.get("declared"))) {
                Throwable rebuilt = exact == null ? null
                        : instantiate(exact, argument instanceof String given ? given : message);
                if (rebuilt == null) {
                    rebuilt = instantiate(type, message);
                }
                if (rebuilt == null) {
                    throw new UnreadableFailureException("neither " + exactName + " nor its declared final type "
                            + type.getName() + " has a public constructor taking (String) or nothing", null);
                }
                return rebuilt;
            }
        }
        throw new UnreadableFailureException("the kept type " + exactName + " is not found in the class loaders of "
                + "the operation and the thread, or is none of its final exceptions " + declared.stream()
                        .map(Class::getName).collect(Collectors.joining(", ", "[", "]")), null);
    }

    /**
     * Whether a replay can rebuild {@code type} itself: a concrete public class with a public constructor taking
     * (String) or nothing. An abstract type is only ever rebuilt as one of its subtypes.
     */
    static boolean isRebuildable(Class<? extends Throwable> type) {
        if (Modifier.isAbstract(type.getModifiers())) {
            return true;
        }
        if (!Modifier.isPublic(type.getModifiers())) {
            return false;
        }
        for (Constructor<?> constructor : type.getConstructors()) {
            Class<?>[] parameters = constructor.getParameterTypes();
            if (parameters.length == 0 || parameters.length == 1 && parameters[0] == String.class) {
                return true;
            }
        }
        return false;
    }

    /** {@code name} when it is {@code declared} or a subtype of it, found in the operation's or the thread's loader. */
    private static @Nullable Class<? extends Throwable> load(String name, Class<? extends Throwable> declared,
            @Nullable ClassLoader operationLoader) {
        if (declared.getName().equals(name)) {
            return declared;
        }
        for (ClassLoader loader : new ClassLoader[] {operationLoader, Thread.currentThread().getContextClassLoader(),
                declared.getClassLoader()}) {
            if (loader == null) {
                continue;
            }
            try {
                Class<?> loaded = Class.forName(name, false, loader);
                if (declared.isAssignableFrom(loaded)) {
                    return loaded.asSubclass(Throwable.class);
                }
            } catch (ClassNotFoundException | LinkageError e) {
                // not in this loader: try the next
            }
        }
        return null;
    }

    private static @Nullable Throwable instantiate(Class<? extends Throwable> type, @Nullable String message) {
        if (Modifier.isAbstract(type.getModifiers()) || !Modifier.isPublic(type.getModifiers())) {
            return null;
        }
        try {
            return type.getConstructor(String.class).newInstance(message);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            try {
                return type.getConstructor().newInstance();
            } catch (ReflectiveOperationException | RuntimeException | LinkageError ignored) {
                return null;
            }
        }
    }

    /** Why a kept exception cannot be replayed; the engine turns it into an IdempotencyReplayException. */
    static final class UnreadableFailureException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        UnreadableFailureException(String message, @Nullable Throwable cause) {
            super(message, cause);
        }
    }
}

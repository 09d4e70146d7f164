package dev.idempotency.internal;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;

import org.jspecify.annotations.Nullable;

/**
 * Types whose work runs after the method returns them (futures that are not stages, reactive publishers, streams,
 * suppliers): the engine would complete the record before any of that work ran, and a duplicate would replay a
 * result that was never produced. They are refused until they are supported. Reactive libraries are recognised by
 * name, so that none of them is needed on the class path.
 */
public final class LazyTypes {

    /** Package prefixes of libraries whose return types are all lazy: reactive and coroutine types. */
    private static final List<String> LAZY_PACKAGES = List.of("reactor.core.publisher.", "io.reactivex.",
            "io.smallrye.mutiny.", "kotlinx.coroutines.", "akka.stream.", "org.apache.pekko.stream.");
    /** Lazy interfaces by name, wherever a type implements them. */
    private static final Set<String> LAZY_INTERFACES = Set.of("org.reactivestreams.Publisher",
            "java.util.concurrent.Flow$Publisher", "java.util.stream.BaseStream", "java.util.Iterator",
            "java.util.Spliterator", "java.util.function.Supplier", "java.util.concurrent.Callable",
            "io.vertx.core.Future", "scala.concurrent.Future");

    private LazyTypes() {
    }

    /** Why values of {@code type} cannot be protected, or {@code null} when they can. */
    public static @Nullable String whyNotProtectable(Class<?> type) {
        if (CompletionStage.class.isAssignableFrom(type)) {
            return null;
        }
        if (Future.class.isAssignableFrom(type)) {
            return "a Future that is not a CompletionStage, so its outcome cannot be awaited without blocking";
        }
        Deque<Class<?>> toVisit = new ArrayDeque<>(List.of(type));
        Set<Class<?>> seen = new HashSet<>();
        while (!toVisit.isEmpty()) {
            Class<?> current = toVisit.pop();
            if (!seen.add(current)) {
                continue;
            }
            String name = current.getName();
            if (LAZY_INTERFACES.contains(name) || LAZY_PACKAGES.stream().anyMatch(name::startsWith)) {
                return "a lazy type (" + current.getSimpleName() + ") whose work runs after the method returns it";
            }
            if (current.getSuperclass() != null) {
                toVisit.push(current.getSuperclass());
            }
            toVisit.addAll(List.of(current.getInterfaces()));
        }
        return null;
    }
}

package dev.idempotency.internal;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

import dev.idempotency.IdempotencyKey;
import dev.idempotency.key.Invocation;
import dev.idempotency.key.KeyStrategy;

/** The strategies behind {@link KeyStrategy}'s factories; the marked parameters of each method are found once. */
public enum BuiltInKeyStrategy implements KeyStrategy {
    ANNOTATED_PARAMETERS {
        @Override
        public @Nullable Object key(Invocation invocation) {
            return annotated(invocation.arguments(), markedParameters(invocation.method()));
        }
    },
    SINGLE_ARGUMENT {
        @Override
        public @Nullable Object key(Invocation invocation) {
            Object[] args = invocation.arguments();
            return args.length == 1 ? args[0] : null;
        }
    },
    ALL_ARGUMENTS {
        @Override
        public @Nullable Object key(Invocation invocation) {
            Object[] args = invocation.arguments();
            return Arrays.stream(args).allMatch(a -> a == null) ? null : Arrays.asList(args);
        }
    },
    DEFAULT {
        @Override
        public @Nullable Object key(Invocation invocation) {
            int[] marked = markedParameters(invocation.method());
            if (marked.length > 0) {
                return annotated(invocation.arguments(), marked);
            }
            return SINGLE_ARGUMENT.key(invocation);
        }
    };

    /**
     * The marked parameters of each method, kept with its declaring class rather than in a static map, which would
     * pin the application's classes (app servers, devtools restarts) in the framework's class loader.
     */
    private static final ClassValue<Map<Method, int[]>> MARKED = new ClassValue<>() {
        @Override
        protected Map<Method, int[]> computeValue(Class<?> type) {
            return new ConcurrentHashMap<>();
        }
    };

    private static @Nullable Object annotated(Object[] args, int[] marked) {
        if (marked.length == 1) {
            return args[marked[0]];
        }
        List<@Nullable Object> values = new ArrayList<>(marked.length);
        boolean any = false;
        for (int index : marked) {
            values.add(args[index]);
            any |= args[index] != null;
        }
        return any ? values : null;
    }

    private static int[] markedParameters(Method method) {
        return MARKED.get(method.getDeclaringClass()).computeIfAbsent(method, m -> {
            Annotation[][] annotations = m.getParameterAnnotations();
            List<Integer> indexes = new ArrayList<>();
            for (int i = 0; i < annotations.length; i++) {
                for (Annotation a : annotations[i]) {
                    if (a.annotationType() == IdempotencyKey.class) {
                        indexes.add(i);
                    }
                }
            }
            return indexes.stream().mapToInt(Integer::intValue).toArray();
        });
    }
}

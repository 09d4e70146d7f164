package dev.idempotency.key;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.WeakReference;
import java.lang.reflect.Method;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.idempotency.IdempotencyKey;
import dev.idempotency.testing.TestCompiler;

class KeyStrategyTest {

    @SuppressWarnings("unused")
    static class Methods {
        void one(String a) {
        }

        void two(String a, String b) {
        }

        void marked(String a, @IdempotencyKey String b) {
        }

        void twoMarked(@IdempotencyKey String a, String b, @IdempotencyKey Integer c) {
        }
    }

    private static Invocation invocation(String name, Object... args) {
        Method method = Arrays.stream(Methods.class.getDeclaredMethods())
                .filter(m -> m.getName().equals(name)).findFirst().orElseThrow();
        return new Invocation(method, args);
    }

    @Test
    void annotatedParametersTakesTheMarkedValueOrTheListOfMarkedValues() {
        assertThat(KeyStrategy.annotatedParameters().key(invocation("marked", "x", "key"))).isEqualTo("key");
        assertThat(KeyStrategy.annotatedParameters().key(invocation("twoMarked", "t", "x", 7)))
                .isEqualTo(List.of("t", 7));
        assertThat(KeyStrategy.annotatedParameters().key(invocation("twoMarked", null, "x", null))).isNull();
        assertThat(KeyStrategy.annotatedParameters().key(invocation("two", "a", "b"))).isNull();
    }

    @Test
    void singleArgumentTakesTheOnlyArgumentOfAOneArgumentMethod() {
        assertThat(KeyStrategy.singleArgument().key(invocation("one", "a"))).isEqualTo("a");
        assertThat(KeyStrategy.singleArgument().key(invocation("two", "a", "b"))).isNull();
    }

    @Test
    void allArgumentsTakesEveryArgumentUnlessAllAreNull() {
        assertThat(KeyStrategy.allArguments().key(invocation("two", "a", "b"))).isEqualTo(List.of("a", "b"));
        assertThat(KeyStrategy.allArguments().key(invocation("two", null, null))).isNull();
    }

    @Test
    void theDefaultPrefersMarkedParametersThenTheOnlyArgument() {
        assertThat(KeyStrategy.defaultStrategy().key(invocation("marked", "x", "key"))).isEqualTo("key");
        assertThat(KeyStrategy.defaultStrategy().key(invocation("one", "a"))).isEqualTo("a");
        assertThat(KeyStrategy.defaultStrategy().key(invocation("two", "a", "b"))).isNull();
    }

    /**
     * Application classes come and go with their class loader (an application server redeploys, a devtools restart
     * reloads): the marked parameters found for a method must not keep its class, and so its loader, alive.
     */
    @Test
    void letsTheClassLoaderOfAMethodItKeyedGo(@TempDir Path directory) throws Exception {
        WeakReference<ClassLoader> loader = keyOnceWithAThrowawayLoader(directory);

        for (int i = 0; i < 50 && loader.get() != null; i++) {
            System.gc();
            Thread.sleep(20);
        }

        assertThat(loader.get()).as("the throwaway class loader, once collected").isNull();
    }

    private static WeakReference<ClassLoader> keyOnceWithAThrowawayLoader(Path directory) throws Exception {
        try (URLClassLoader throwaway = TestCompiler.compile(directory, Map.of("app.Orders", """
                package app;

                public class Orders {
                    public String place(@dev.idempotency.IdempotencyKey String requestId, int amount) {
                        return requestId;
                    }
                }
                """))) {
            Method place = throwaway.loadClass("app.Orders").getMethod("place", String.class, int.class);
            assertThat(KeyStrategy.defaultStrategy().key(new Invocation(place, new Object[] {"r-1", 5})))
                    .isEqualTo("r-1");
            return new WeakReference<>(throwaway);
        }
    }
}

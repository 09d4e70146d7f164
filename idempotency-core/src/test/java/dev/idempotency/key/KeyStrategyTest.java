package dev.idempotency.key;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.idempotency.IdempotencyKey;

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
}

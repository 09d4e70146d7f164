package dev.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Return types whose work runs after the method returns: the record would complete before any of it ran, so they
 * are refused when the operation is made (at startup, in Spring), never at the first duplicate.
 */
class UnprotectableReturnTypesTest {

    static class Lazy {
        @Idempotent
        public Mono<String> mono(String key) {
            return Mono.just(key);
        }

        @Idempotent
        public Flux<String> flux(String key) {
            return Flux.just(key);
        }

        @Idempotent
        public Future<String> future(String key) {
            return CompletableFuture.completedFuture(key);
        }

        @Idempotent
        public FutureTask<String> futureTask(String key) {
            return new FutureTask<>(() -> key);
        }

        @Idempotent
        public Flow.Publisher<String> publisher(String key) {
            return subscriber -> { };
        }

        @Idempotent
        public Stream<String> stream(String key) {
            return Stream.of(key);
        }

        @Idempotent
        public Iterator<String> iterator(String key) {
            return List.of(key).iterator();
        }

        @Idempotent
        public Supplier<String> supplier(String key) {
            return () -> key;
        }

        @Idempotent
        public Callable<String> callable(String key) {
            return () -> key;
        }

        @Idempotent
        public CustomStage customStage(String key) {
            return null;
        }

        /** What a Kotlin {@code suspend fun} compiles to. */
        @Idempotent
        public Object suspended(String key, kotlin.coroutines.Continuation<? super String> continuation) {
            return null;
        }

        @Idempotent
        public CompletionStage<String> stage(String key) {
            return CompletableFuture.completedFuture(key);
        }

        @Idempotent
        public List<String> list(String key) {
            return List.of(key);
        }
    }

    /** A stage of the user's own: the engine hands back a CompletableFuture, which is not one. */
    abstract static class CustomStage extends CompletableFuture<String> {
    }

    private final Idempotency idempotency = Idempotency.create();

    private static Method method(String name) {
        return java.util.Arrays.stream(Lazy.class.getMethods()).filter(m -> m.getName().equals(name)).findFirst()
                .orElseThrow();
    }

    @ParameterizedTest
    @ValueSource(strings = {"mono", "flux", "publisher", "stream", "iterator", "supplier", "callable"})
    void refusesALazyReturnType(String name) {
        Method method = method(name);

        assertThatThrownBy(() -> idempotency.operation(method))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("@Idempotent on Lazy." + name + "(String): it returns "
                        + method.getReturnType().getSimpleName() + ", a lazy type (")
                .hasMessageEndingWith(") whose work runs after the method returns it: the record would complete"
                        + " before that work ran, and a duplicate would replay a result that was never made. Return"
                        + " the value itself, or a CompletableFuture or CompletionStage of it");
    }

    @ParameterizedTest
    @ValueSource(strings = {"future", "futureTask"})
    void refusesAFutureThatIsNotAStage(String name) {
        assertThatThrownBy(() -> idempotency.operation(method(name)))
                .hasMessageContaining("a Future that is not a CompletionStage, so its outcome cannot be awaited"
                        + " without blocking");
    }

    @Test
    void refusesAStageTypeOtherThanCompletionStageOrCompletableFuture() {
        assertThatThrownBy(() -> idempotency.operation(method("customStage")))
                .hasMessage("@Idempotent on Lazy.customStage(String): an asynchronous method must return"
                        + " CompletionStage or CompletableFuture, but returns CustomStage");
    }

    @Test
    void refusesAKotlinSuspendFunction() {
        assertThatThrownBy(() -> idempotency.operation(method("suspended")))
                .hasMessageContaining("a Kotlin suspend function returns before its work is done");
    }

    @Test
    void acceptsStagesAndValues() {
        assertThat(idempotency.operation(method("stage")).isAsync()).isTrue();
        assertThat(idempotency.operation(method("list")).isAsync()).isFalse();
    }

    @Test
    void refusesALazyOrStageResultTypeOfAnOperationMadeByName() {
        assertThatThrownBy(() -> idempotency.operation("orders.lazy", Mono.class).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("operation 'orders.lazy': it returns Mono, a lazy type");
        assertThatThrownBy(() -> idempotency.operation("orders.future", Future.class).build())
                .hasMessageContaining("a Future that is not a CompletionStage");
        assertThatThrownBy(() -> idempotency.operation("orders.stage", CompletableFuture.class).build())
                .hasMessage("operation 'orders.stage': the result type is CompletableFuture: declare the stage's"
                        + " value type (Receipt, not CompletableFuture<Receipt>) and call executeAsync");
    }

    // --- 17. a short ttl alone ---

    static class ShortLived {
        @Idempotent(ttl = "2s")
        public String shortTtl(String key) {
            return key;
        }

        @Idempotent(ttl = "2s", lease = "5s")
        public String leaseLongerThanTtl(String key) {
            return key;
        }
    }

    @Test
    void shortensTheDefaultLeaseToAShortTtlSetAlone() throws Exception {
        IdempotentOperation<Object> operation =
                idempotency.operation(ShortLived.class.getMethod("shortTtl", String.class));

        assertThat(operation.ttl()).isEqualTo(Duration.ofSeconds(2));
        assertThat(operation.lease()).isEqualTo(Duration.ofSeconds(2));
        assertThat(idempotency.operation("orders.short", String.class).ttl(Duration.ofSeconds(2)).build().lease())
                .isEqualTo(Duration.ofSeconds(2));
        assertThat(IdempotencyConfig.builder().ttl(Duration.ofSeconds(2)).build().lease())
                .isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void stillRefusesAnExplicitLeaseLongerThanTheTtl() throws Exception {
        assertThatThrownBy(() -> idempotency.operation(ShortLived.class.getMethod("leaseLongerThanTtl",
                String.class))).hasMessageContaining("lease (PT5S) must not be longer than ttl (PT2S)");
        assertThatThrownBy(() -> IdempotencyConfig.builder().ttl(Duration.ofSeconds(2)).lease(Duration.ofSeconds(5))
                .build()).hasMessageContaining("lease (PT5S) must not be longer than ttl (PT2S)");
    }

    @Test
    void letsALeaseDerivedFromAShortTtlGrowBackWithALongerOne() {
        IdempotencyConfig shortLived = IdempotencyConfig.builder().ttl(Duration.ofSeconds(2)).build();

        assertThat(shortLived.toBuilder().ttl(Duration.ofHours(1)).build().lease())
                .isEqualTo(IdempotencyConfig.DEFAULT_LEASE);
        assertThat(shortLived.toBuilder().lease(Duration.ofSeconds(1)).ttl(Duration.ofHours(1)).build().lease())
                .isEqualTo(Duration.ofSeconds(1));
    }
}

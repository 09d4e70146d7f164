package dev.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.idempotency.key.KeyStrategy;

/** {@link Idempotency#operation(Method)} reads {@code @Idempotent} as an integration would. */
class AnnotatedOperationTest {

    record Order(String id, int quantity) {
    }

    public static class DeclinedException extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    /** What users write. */
    static class OrderService {
        @Idempotent
        public String byDefault(Order order) {
            return "";
        }

        @Idempotent(name = "orders.place", ttl = "2h", lease = "45s", onInProgress = InProgressPolicy.WAIT,
                finalExceptions = DeclinedException.class)
        public String configured(@IdempotencyKey String requestId, Order order) {
            return "";
        }

        @Idempotent(name = "orders.two-keys")
        public String twoKeys(@IdempotencyKey String tenant, @IdempotencyKey String requestId, Order order) {
            return "";
        }

        @Idempotent(name = "orders.unmarked")
        public String unmarked(String tenant, Order order) {
            return "";
        }

        @Idempotent(name = "orders.header", keyStrategy = "header")
        public String header(Order order) {
            return "";
        }

        @Idempotent(ttl = "ten minutes")
        public String badTtl(String key) {
            return "";
        }

        @Idempotent(ttl = "1m", lease = "5m")
        public String leaseLongerThanTtl(String key) {
            return "";
        }

        @Idempotent(keyStrategy = "nope")
        public String unknownStrategy(String key) {
            return "";
        }

        @Idempotent
        public CompletableFuture<List<Order>> async(String key) {
            return CompletableFuture.completedFuture(List.of());
        }

        public String notAnnotated(String key) {
            return "";
        }
    }

    private final AtomicInteger runs = new AtomicInteger();
    private final Idempotency idempotency = Idempotency.builder()
            .keyStrategy("header", invocation -> "from-header")
            .build();

    private static Method method(String name) {
        return java.util.Arrays.stream(OrderService.class.getMethods())
                .filter(m -> m.getName().equals(name)).findFirst().orElseThrow();
    }

    private String run(IdempotentOperation<Object> op, Object... args) {
        return (String) op.invoke(args, () -> "run " + runs.incrementAndGet());
    }

    @Test
    void takesTheDefaultsAndTheClassAndMethodAsTheNamespace() {
        IdempotentOperation<Object> op = idempotency.operation(method("byDefault"));

        assertThat(op.namespace()).isEqualTo(OrderService.class.getName() + ".byDefault");
        assertThat(op.ttl()).isEqualTo(IdempotencyConfig.DEFAULT_TTL);
        assertThat(op.lease()).isEqualTo(IdempotencyConfig.DEFAULT_LEASE);
        assertThat(op.inProgressPolicy()).isEqualTo(InProgressPolicy.REJECT);
        assertThat(op.resultType()).isEqualTo(String.class);
        assertThat(op.isAsync()).isFalse();
    }

    @Test
    void readsEveryAttribute() {
        IdempotentOperation<Object> op = idempotency.operation(method("configured"));

        assertThat(op.namespace()).isEqualTo("orders.place");
        assertThat(op.ttl()).isEqualTo(Duration.ofHours(2));
        assertThat(op.lease()).isEqualTo(Duration.ofSeconds(45));
        assertThat(op.inProgressPolicy()).isEqualTo(InProgressPolicy.WAIT);
        assertThat(op.finalExceptions()).containsExactly(DeclinedException.class);
    }

    @Test
    void buildsEachMethodsOperationOnce() {
        assertThat(idempotency.operation(method("byDefault"))).isSameAs(idempotency.operation(method("byDefault")));
    }

    @Test
    void takesTheValueTypeOfAnAsynchronousMethod() {
        IdempotentOperation<Object> op = idempotency.operation(method("async"));

        assertThat(op.isAsync()).isTrue();
        assertThat(op.resultType().getTypeName()).isEqualTo("java.util.List<" + Order.class.getName() + ">");
    }

    @Test
    void keysByTheOnlyArgumentByDefault() {
        IdempotentOperation<Object> op = idempotency.operation(method("byDefault"));

        assertThat(run(op, new Order("o-1", 1))).isEqualTo("run 1");
        assertThat(run(op, new Order("o-1", 1))).isEqualTo("run 1");
        assertThat(run(op, new Order("o-2", 1))).isEqualTo("run 2");
    }

    @Test
    void keysByTheMarkedParameterAndFingerprintsAllArguments() {
        IdempotentOperation<Object> op = idempotency.operation(method("configured"));

        assertThat(run(op, "req-1", new Order("o-1", 1))).isEqualTo("run 1");
        assertThat(run(op, "req-1", new Order("o-1", 1))).isEqualTo("run 1");
        assertThatThrownBy(() -> run(op, "req-1", new Order("o-1", 9)))
                .isInstanceOf(IdempotencyPayloadMismatchException.class);
    }

    @Test
    void keysByAllMarkedParametersTogether() {
        IdempotentOperation<Object> op = idempotency.operation(method("twoKeys"));

        assertThat(run(op, "acme", "req-1", new Order("o", 1))).isEqualTo("run 1");
        assertThat(run(op, "globex", "req-1", new Order("o", 1))).isEqualTo("run 2");
        assertThat(run(op, "acme", "req-1", new Order("o", 1))).isEqualTo("run 1");
    }

    @Test
    void refusesAMethodWithSeveralArgumentsAndNoMarkedKeyNamingTheMethod() {
        IdempotentOperation<Object> op = idempotency.operation(method("unmarked"));

        assertThatThrownBy(() -> run(op, "acme", new Order("o", 1)))
                .isInstanceOf(IdempotencyKeyException.class)
                .hasMessageContaining("OrderService.unmarked(String, Order)")
                .hasMessageContaining("orders.unmarked")
                .hasMessageContaining("@IdempotencyKey");
        assertThat(runs).hasValue(0);
    }

    @Test
    void refusesANullMarkedKey() {
        IdempotentOperation<Object> op = idempotency.operation(method("configured"));

        assertThatThrownBy(() -> run(op, null, new Order("o", 1))).isInstanceOf(IdempotencyKeyException.class);
    }

    @Test
    void usesARegisteredKeyStrategyByName() {
        IdempotentOperation<Object> op = idempotency.operation(method("header"));

        assertThat(run(op, new Order("a", 1))).isEqualTo("run 1");
        assertThatThrownBy(() -> run(op, new Order("b", 1)))
                .as("same header key, other payload").isInstanceOf(IdempotencyPayloadMismatchException.class);
    }

    @Test
    void usesTheConfiguredDefaultKeyStrategy() {
        Idempotency allArgs = Idempotency.builder().defaultKeyStrategy(KeyStrategy.allArguments()).build();
        IdempotentOperation<Object> op = allArgs.operation(method("unmarked"));

        assertThat(run(op, "acme", new Order("o", 1))).isEqualTo("run 1");
        assertThat(run(op, "acme", new Order("o", 1))).isEqualTo("run 1");
    }

    @Test
    void wrapsAFailingKeyStrategyInAKeyException() {
        Idempotency failing = Idempotency.builder().keyStrategy("header", invocation -> {
            throw new IllegalStateException("no request bound to this thread");
        }).build();

        assertThatThrownBy(() -> run(failing.operation(method("header")), new Order("a", 1)))
                .isInstanceOf(IdempotencyKeyException.class)
                .hasMessageContaining("key strategy of OrderService.header(Order)")
                .hasMessageContaining("failed with IllegalStateException (see the cause")
                .hasMessageNotContaining("no request bound to this thread")
                .cause().hasMessage("no request bound to this thread");
    }

    @Test
    void namesTheMethodAndAttributeOfAnUnparseableDuration() {
        assertThatThrownBy(() -> idempotency.operation(method("badTtl")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Cannot parse ttl of @Idempotent on OrderService.badTtl(String) 'ten minutes': write a"
                        + " duration such as 500ms, 30s, 10m, 24h, 7d, or ISO-8601 such as PT10M");
    }

    @Test
    void refusesALeaseLongerThanTheTtl() {
        assertThatThrownBy(() -> idempotency.operation(method("leaseLongerThanTtl")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("@Idempotent on OrderService.leaseLongerThanTtl(String): lease (PT5M) must not be longer"
                        + " than ttl (PT1M): a record would expire while its call still runs. Shorten the lease or"
                        + " lengthen the ttl.");
    }

    @Test
    void namesAnUnknownKeyStrategyAndTheKnownOnes() {
        assertThatThrownBy(() -> idempotency.operation(method("unknownStrategy")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Unknown keyStrategy 'nope' of @Idempotent on OrderService.unknownStrategy")
                .hasMessageContaining("[header]");
    }

    @Test
    void refusesAMethodWithoutTheAnnotation() {
        assertThatThrownBy(() -> idempotency.operation(method("notAnnotated")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("OrderService.notAnnotated(String) is not annotated with @Idempotent");
    }

    @Test
    void refusesAnOperationWithoutAMethodToInvoke() {
        IdempotentOperation<String> op = idempotency.operation("plain", String.class).build();

        assertThatThrownBy(() -> op.invoke(new Object[] {"x"}, () -> "v"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("was not made from a method");
    }

    @Test
    void validatesProgrammaticOperations() {
        assertThatThrownBy(() -> idempotency.operation(" ", String.class))
                .hasMessage("namespace must not be blank");
        assertThatThrownBy(() -> idempotency.operation("n".repeat(256), String.class))
                .hasMessageContaining("namespace must be at most 255 characters");
        assertThatThrownBy(() -> idempotency.operation("x", String.class).ttl(Duration.ZERO))
                .hasMessage("ttl must be positive, but was PT0S");
        assertThatThrownBy(() -> idempotency.operation("x", String.class).lease(Duration.ofDays(2)).build())
                .hasMessageContaining("lease (PT48H) must not be longer than ttl (PT24H)");
    }
}

package dev.idempotency.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.expression.spel.SpelEvaluationException;

import dev.idempotency.IdempotencyInProgressException;
import dev.idempotency.IdempotencyKey;
import dev.idempotency.IdempotencyKeyException;
import dev.idempotency.IdempotencyPayloadMismatchException;
import dev.idempotency.Idempotent;
import dev.idempotency.InProgressPolicy;
import dev.idempotency.key.KeyStrategy;
import dev.idempotency.store.InMemoryIdempotencyStore;
import dev.idempotency.testing.CountingIdempotencyStore;
import dev.idempotency.spring.testing.Contexts;

/** Each behaviour of an {@link Idempotent} method of a bean, in a real application context on the memory store. */
class IdempotentMethodTest {

    private AnnotationConfigApplicationContext context;
    private Orders orders;
    private CountingIdempotencyStore store;

    @BeforeEach
    void startContext() {
        context = Contexts.start(AppConfig.class);
        orders = context.getBean(Orders.class);
        store = context.getBean(CountingIdempotencyStore.class);
    }

    @AfterEach
    void closeContext() {
        orders.release();
        context.close();
    }

    @Test
    void replaysAnEqualResultWithoutRunningTheMethodAgain() {
        Receipt first = orders.place(new Order("o-1", 10));
        Receipt second = orders.place(new Order("o-1", 10));

        assertThat(second).isEqualTo(first).isEqualTo(new Receipt("o-1", 10, 1));
        assertThat(orders.runs()).isEqualTo(1);
    }

    @Test
    void runsTheMethodForEachNewKey() {
        orders.place(new Order("o-1", 10));
        Receipt other = orders.place(new Order("o-2", 10));

        assertThat(other.run()).isEqualTo(2);
    }

    @Test
    void refusesTheSameKeyWithAnotherPayload() {
        orders.place(new Order("o-1", 10));

        assertThatThrownBy(() -> orders.place(new Order("o-1", 99)))
                .isInstanceOf(IdempotencyPayloadMismatchException.class)
                .hasMessageContaining("Orders.place(Order)");
        assertThat(orders.runs()).isEqualTo(1);
    }

    @Test
    void rejectsADuplicateOfACallStillRunning() throws Exception {
        CompletableFuture<Receipt> first =
                CompletableFuture.supplyAsync(() -> orders.placeSlowly(new Order("o-1", 10)));
        assertThat(orders.awaitStarted()).isTrue();

        assertThatThrownBy(() -> orders.placeSlowly(new Order("o-1", 10)))
                .isInstanceOf(IdempotencyInProgressException.class)
                .satisfies(e -> assertThat(((IdempotencyInProgressException) e).timeLeft()).isPositive());

        orders.release();
        assertThat(first.get(60, TimeUnit.SECONDS)).isEqualTo(new Receipt("o-1", 10, 1));
        assertThat(orders.placeSlowly(new Order("o-1", 10))).isEqualTo(new Receipt("o-1", 10, 1));
        assertThat(orders.runs()).isEqualTo(1);
    }

    @Test
    void waitsForACallStillRunningWhenTheMethodAsksTo() throws Exception {
        CompletableFuture<Receipt> first =
                CompletableFuture.supplyAsync(() -> orders.placeSlowlyAndWait(new Order("o-1", 10)));
        assertThat(orders.awaitStarted()).isTrue();
        CompletableFuture<Receipt> duplicate =
                CompletableFuture.supplyAsync(() -> orders.placeSlowlyAndWait(new Order("o-1", 10)));

        awaitUntil(() -> store.finds() > 0);
        assertThat(duplicate).isNotDone();
        orders.release();

        assertThat(duplicate.get(60, TimeUnit.SECONDS)).isEqualTo(first.get(60, TimeUnit.SECONDS));
        assertThat(orders.runs()).isEqualTo(1);
    }

    @Test
    void takesTheKeyFromAParameterByIndex() {
        Receipt first = orders.placeById("o-1", 10);

        assertThat(orders.placeById("o-1", 10)).isEqualTo(first);
        assertThat(orders.placeByAlias(10, "o-2")).isEqualTo(orders.placeByAlias(10, "o-2"));
        assertThat(orders.runs()).isEqualTo(2);
    }

    @Test
    void takesTheKeyFromABeanReferencedByTheExpression() {
        Receipt first = orders.placeWithBeanKey(new Order("o-1", 10));

        assertThat(orders.placeWithBeanKey(new Order("o-1", 10))).isEqualTo(first);
        assertThat(context.getBean(OrderKeys.class).calls()).isEqualTo(2);
        assertThat(orders.runs()).isEqualTo(1);
    }

    @Test
    void refusesACallWhoseKeyExpressionGivesNull() {
        assertThatThrownBy(() -> orders.placeNullable(new Order(null, 10)))
                .isInstanceOf(IdempotencyKeyException.class)
                .hasMessageContaining("Orders.placeNullable(Order)")
                .hasMessageContaining("namespace " + Orders.class.getName() + ".placeNullable");
        assertThat(orders.runs()).isEqualTo(0);
    }

    @Test
    void refusesACallWhoseKeyExpressionFails() {
        assertThatThrownBy(() -> orders.placeWithBrokenKey(new Order("o-1", 10)))
                .isInstanceOf(IdempotencyKeyException.class)
                .hasMessageContaining("'#order.customer'")
                .hasMessageContaining("Orders.placeWithBrokenKey(Order)")
                .hasMessageContaining("namespace " + Orders.class.getName() + ".placeWithBrokenKey")
                .hasCauseInstanceOf(SpelEvaluationException.class)
                .satisfies(e -> assertThat(((IdempotencyKeyException) e).namespace())
                        .isEqualTo(Orders.class.getName() + ".placeWithBrokenKey"));
        assertThat(orders.runs()).isEqualTo(0);
    }

    @Test
    void takesTheKeyFromTheIdempotencyKeyParameterWithoutAnExpression() {
        Receipt first = orders.placeWithToken("token-1", new Order("o-1", 10));

        assertThat(orders.placeWithToken("token-1", new Order("o-1", 10))).isEqualTo(first);
        assertThat(orders.runs()).isEqualTo(1);
    }

    @Test
    void refusesAMethodWithoutAnyKeyNamingTheMethod() {
        assertThatThrownBy(() -> orders.placeWithNote(new Order("o-1", 10), "note"))
                .isInstanceOf(IdempotencyKeyException.class)
                .hasMessageContaining("Orders.placeWithNote(Order, String)");
        assertThat(orders.runs()).isEqualTo(0);
    }

    @Test
    void picksAKeyStrategyBeanByName() {
        Receipt first = orders.placeWithStrategy(new Order("o-1", 10), "note");

        assertThat(orders.placeWithStrategy(new Order("o-1", 10), "note")).isEqualTo(first);
        assertThatThrownBy(() -> orders.placeWithStrategy(new Order("o-1", 10), "another note"))
                .isInstanceOf(IdempotencyPayloadMismatchException.class);
        assertThat(orders.runs()).isEqualTo(1);
    }

    @Test
    void usesTheKeyStrategyBeanThatThePropertyMakesTheDefault() {
        try (AnnotationConfigApplicationContext withDefault =
                Contexts.start(Map.of("idempotency.default-key-strategy", "orderIdKey"), AppConfig.class)) {
            Orders service = withDefault.getBean(Orders.class);

            Receipt first = service.placeWithNote(new Order("o-1", 10), "note");

            assertThat(service.placeWithNote(new Order("o-1", 10), "note")).isEqualTo(first);
            assertThat(service.runs()).isEqualTo(1);
        }
    }

    @Test
    void replaysAGenericListOfRecords() {
        List<Receipt> first = orders.placeAll(List.of(new Order("o-1", 10), new Order("o-2", 20)));
        List<Receipt> second = orders.placeAll(List.of(new Order("o-1", 10), new Order("o-2", 20)));

        assertThat(second).isEqualTo(first).hasSize(2).allSatisfy(r -> assertThat(r).isInstanceOf(Receipt.class));
        assertThat(orders.runs()).isEqualTo(1);
    }

    @Test
    void replaysAnOptionalPresentOrEmpty() {
        assertThat(orders.find("o-1")).contains(new Receipt("o-1", 0, 1));
        assertThat(orders.find("o-1")).contains(new Receipt("o-1", 0, 1));
        assertThat(orders.find("none")).isEmpty();
        assertThat(orders.find("none")).isEmpty();
        assertThat(orders.runs()).isEqualTo(2);
    }

    @Test
    void replaysAVoidMethodWithoutRunningItAgain() {
        orders.cancel(new Order("o-1", 10));
        orders.cancel(new Order("o-1", 10));

        assertThat(orders.runs()).isEqualTo(1);
    }

    @Test
    void rethrowsACheckedExceptionUnchangedAndLetsARetryRunAgain() throws Exception {
        orders.failNext(1);

        assertThatThrownBy(() -> orders.placeOrFail(new Order("o-1", 10))).isSameAs(orders.lastFailure());
        assertThat(orders.placeOrFail(new Order("o-1", 10))).isEqualTo(new Receipt("o-1", 10, 2));
        assertThat(orders.placeOrFail(new Order("o-1", 10))).isEqualTo(new Receipt("o-1", 10, 2));
        assertThat(orders.runs()).isEqualTo(2);
    }

    @Test
    void replaysAFinalExceptionTheMethodDeclares() {
        assertThatThrownBy(() -> orders.charge(new Order("o-1", -1))).isInstanceOf(DeclinedException.class);
        assertThatThrownBy(() -> orders.charge(new Order("o-1", -1)))
                .isInstanceOf(DeclinedException.class)
                .hasMessage("declined: -1");
        assertThat(orders.runs()).isEqualTo(1);
    }

    private static void awaitUntil(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 60 s").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @Configuration
    @EnableIdempotency
    static class AppConfig {

        @Bean
        Orders orders() {
            return new Orders();
        }

        @Bean
        OrderKeys keys() {
            return new OrderKeys();
        }

        @Bean
        KeyStrategy orderIdKey() {
            return invocation -> ((Order) invocation.arguments()[0]).id();
        }

        @Bean
        CountingIdempotencyStore store() {
            return new CountingIdempotencyStore(InMemoryIdempotencyStore.create());
        }
    }

    /** A bean that key expressions call. */
    static class OrderKeys {

        private final AtomicInteger calls = new AtomicInteger();

        public String forOrder(Order order) {
            calls.incrementAndGet();
            return "order-" + order.id();
        }

        int calls() {
            return calls.get();
        }
    }

    public static class DeclinedException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        public DeclinedException(String message) {
            super(message);
        }
    }

    /** The annotated service. Tests read its state through methods: a class proxy has fields of its own. */
    static class Orders {

        private final AtomicInteger runs = new AtomicInteger();
        private final AtomicInteger failures = new AtomicInteger();
        private final CountDownLatch started = new CountDownLatch(1);
        private final CountDownLatch release = new CountDownLatch(1);
        private volatile IOException lastFailure;

        int runs() {
            return runs.get();
        }

        void failNext(int times) {
            failures.set(times);
        }

        IOException lastFailure() {
            return lastFailure;
        }

        boolean awaitStarted() throws InterruptedException {
            return started.await(60, TimeUnit.SECONDS);
        }

        void release() {
            release.countDown();
        }

        @Idempotent(key = "#order.id")
        public Receipt place(Order order) {
            return receipt(order.id(), order.amount());
        }

        @Idempotent(key = "#order.id")
        public Receipt placeSlowly(Order order) {
            return slowly(order);
        }

        @Idempotent(key = "#order.id", onInProgress = InProgressPolicy.WAIT)
        public Receipt placeSlowlyAndWait(Order order) {
            return slowly(order);
        }

        @Idempotent(key = "#p0")
        public Receipt placeById(String orderId, int amount) {
            return receipt(orderId, amount);
        }

        @Idempotent(key = "#a1")
        public Receipt placeByAlias(int amount, String orderId) {
            return receipt(orderId, amount);
        }

        @Idempotent(key = "@keys.forOrder(#order)")
        public Receipt placeWithBeanKey(Order order) {
            return receipt(order.id(), order.amount());
        }

        @Idempotent(key = "#order?.id")
        public Receipt placeNullable(Order order) {
            return receipt(order.id(), order.amount());
        }

        @Idempotent(key = "#order.customer")
        public Receipt placeWithBrokenKey(Order order) {
            return receipt(order.id(), order.amount());
        }

        @Idempotent
        public Receipt placeWithToken(@IdempotencyKey String token, Order order) {
            return receipt(order.id(), order.amount());
        }

        @Idempotent
        public Receipt placeWithNote(Order order, String note) {
            return receipt(order.id(), order.amount());
        }

        @Idempotent(keyStrategy = "orderIdKey")
        public Receipt placeWithStrategy(Order order, String note) {
            return receipt(order.id(), order.amount());
        }

        @Idempotent(key = "#orders[0].id")
        public List<Receipt> placeAll(List<Order> orders) {
            int run = runs.incrementAndGet();
            return orders.stream().map(o -> new Receipt(o.id(), o.amount(), run)).toList();
        }

        @Idempotent(key = "#orderId")
        public Optional<Receipt> find(String orderId) {
            int run = runs.incrementAndGet();
            return orderId.equals("none") ? Optional.empty() : Optional.of(new Receipt(orderId, 0, run));
        }

        @Idempotent(key = "#order.id")
        public void cancel(Order order) {
            runs.incrementAndGet();
        }

        @Idempotent(key = "#order.id")
        public Receipt placeOrFail(Order order) throws IOException {
            Receipt receipt = receipt(order.id(), order.amount());
            if (failures.getAndDecrement() > 0) {
                lastFailure = new IOException("gateway unreachable");
                throw lastFailure;
            }
            return receipt;
        }

        @Idempotent(key = "#order.id", finalExceptions = DeclinedException.class)
        public Receipt charge(Order order) {
            Receipt receipt = receipt(order.id(), order.amount());
            if (order.amount() < 0) {
                throw new DeclinedException("declined: " + order.amount());
            }
            return receipt;
        }

        private Receipt slowly(Order order) {
            Receipt receipt = receipt(order.id(), order.amount());
            started.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return receipt;
        }

        private Receipt receipt(String orderId, int amount) {
            return new Receipt(orderId, amount, runs.incrementAndGet());
        }
    }
}

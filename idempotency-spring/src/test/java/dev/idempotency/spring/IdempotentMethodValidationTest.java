package dev.idempotency.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;

import dev.idempotency.Idempotent;
import dev.idempotency.key.KeyStrategy;
import dev.idempotency.spring.boot.IdempotencyAutoConfiguration;
import dev.idempotency.spring.testing.Contexts;

/**
 * A bad {@link Idempotent} attribute fails the application's startup, naming the bean, the method and the attribute,
 * instead of the method's first call.
 */
class IdempotentMethodValidationTest {

    private static final String DURATION_FORMS = "write a duration such as 500ms, 30s, 10m, 24h, 7d, or ISO-8601 such"
            + " as PT10M";

    @ParameterizedTest(name = "{0}")
    @MethodSource("badMethods")
    void failsStartupNamingTheBeanTheMethodAndTheAttribute(Class<?> service, String expected) {
        assertThatThrownBy(() -> Contexts.start(AppConfig.class, service))
                .isInstanceOf(BeanInitializationException.class)
                .hasMessage("Bean '" + beanName(service) + "' has an invalid @Idempotent method: " + expected);
    }

    static Stream<Arguments> badMethods() {
        return Stream.of(
                arguments(UnparseableTtl.class, "Cannot parse ttl of @Idempotent on UnparseableTtl.place(String)"
                        + " 'forever': " + DURATION_FORMS),
                arguments(UnparseableLease.class, "Cannot parse lease of @Idempotent on"
                        + " UnparseableLease.place(String) '10 minutes': " + DURATION_FORMS),
                arguments(LeaseLongerThanTtl.class, "@Idempotent on LeaseLongerThanTtl.place(String): lease (PT2H)"
                        + " must not be longer than ttl (PT1H): a record would expire while its call still runs."
                        + " Shorten the lease or lengthen the ttl."),
                arguments(LeaseLongerThanConfiguredTtl.class, "@Idempotent on"
                        + " LeaseLongerThanConfiguredTtl.place(String): lease (PT48H) must not be longer than ttl"
                        + " (PT24H): a record would expire while its call still runs. Shorten the lease or lengthen"
                        + " the ttl."),
                arguments(UnknownKeyStrategy.class, "@Idempotent on UnknownKeyStrategy.place(String): keyStrategy"
                        + " 'byHeader' names no KeyStrategy bean. Define a KeyStrategy bean named 'byHeader', or use"
                        + " one of [orderIdKey]"),
                arguments(InvalidKeyExpression.class, "@Idempotent on InvalidKeyExpression.place(String): the key"
                        + " expression '#orderId +' is not valid SpEL: Expression [#orderId +] @9: EL1042E: Problem"
                        + " parsing right operand. Fix the expression, such as key = \"#order.id\"."),
                arguments(NameTooLong.class, "@Idempotent on NameTooLong.place(String): namespace must be at most"
                        + " 255 characters, but was 256: set a shorter name"),
                arguments(OtherStageType.class, "@Idempotent on OtherStageType.place(String): an asynchronous"
                        + " method must return CompletionStage or CompletableFuture, but returns Promise"));
    }

    @Test
    void checksALazyBeanWithoutCreatingIt() {
        assertThatThrownBy(() -> Contexts.start(AppConfig.class, LazyConfig.class))
                .hasMessageStartingWith("Bean 'lazyOrders' has an invalid @Idempotent method: Cannot parse ttl of"
                        + " @Idempotent on LazyOrders.place(String) 'forever'");
        assertThat(LazyOrders.created).hasValue(0);
    }

    @Test
    void checksTheClassBehindAnInterfaceProxy() {
        assertThatThrownBy(() -> Contexts.start(AppConfig.class, InterfaceConfig.class))
                .hasMessage("Bean 'refunds' has an invalid @Idempotent method: Cannot parse ttl of @Idempotent on"
                        + " UnparseableRefunds.refund(String) 'soon': " + DURATION_FORMS);
    }

    @Test
    void failsTheStartupOfASpringBootApplication() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(IdempotencyAutoConfiguration.class))
                .withBean("orders", UnknownKeyStrategy.class)
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .isInstanceOf(BeanInitializationException.class)
                        .hasMessageContaining("Bean 'orders' has an invalid @Idempotent method: @Idempotent on"
                                + " UnknownKeyStrategy.place(String): keyStrategy 'byHeader' names no KeyStrategy"
                                + " bean"));
    }

    @Test
    void startsAnApplicationWhoseMethodsAreValidAndKeepsThemWorking() {
        try (AnnotationConfigApplicationContext context = Contexts.start(AppConfig.class, ValidOrders.class)) {
            ValidOrders orders = context.getBean(ValidOrders.class);

            orders.place("o-1");
            orders.place("o-1");

            assertThat(orders.runs()).isEqualTo(1);
        }
    }

    private static String beanName(Class<?> service) {
        return "idempotentMethodValidationTest." + service.getSimpleName();
    }

    @Configuration
    @EnableIdempotency
    static class AppConfig {

        @Bean
        KeyStrategy orderIdKey() {
            return invocation -> invocation.arguments()[0];
        }
    }

    @Configuration
    static class LazyConfig {

        @Bean
        @Lazy
        LazyOrders lazyOrders() {
            return new LazyOrders();
        }
    }

    @Configuration
    static class InterfaceConfig {

        @Bean
        Refunds refunds() {
            return new UnparseableRefunds();
        }
    }

    interface Refunds {

        String refund(String orderId);
    }

    static class UnparseableRefunds implements Refunds {

        @Override
        @Idempotent(ttl = "soon")
        public String refund(String orderId) {
            return orderId;
        }
    }

    static class LazyOrders {

        static final AtomicInteger created = new AtomicInteger();

        LazyOrders() {
            created.incrementAndGet();
        }

        @Idempotent(ttl = "forever")
        public String place(String orderId) {
            return orderId;
        }
    }

    static class UnparseableTtl {

        @Idempotent(ttl = "forever")
        public String place(String orderId) {
            return orderId;
        }
    }

    static class UnparseableLease {

        @Idempotent(lease = "10 minutes")
        public String place(String orderId) {
            return orderId;
        }
    }

    static class LeaseLongerThanTtl {

        @Idempotent(ttl = "1h", lease = "2h")
        public String place(String orderId) {
            return orderId;
        }
    }

    static class LeaseLongerThanConfiguredTtl {

        @Idempotent(lease = "2d")
        public String place(String orderId) {
            return orderId;
        }
    }

    static class UnknownKeyStrategy {

        @Idempotent(keyStrategy = "byHeader")
        public String place(String orderId) {
            return orderId;
        }
    }

    static class InvalidKeyExpression {

        @Idempotent(key = "#orderId +")
        public String place(String orderId) {
            return orderId;
        }
    }

    static class NameTooLong {

        @Idempotent(name = "orders.place.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                + "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                + "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
        public String place(String orderId) {
            return orderId;
        }
    }

    /** A stage type the aspect cannot hand back: it returns what the core gives, a CompletableFuture. */
    interface Promise<T> extends CompletionStage<T> {
    }

    static class OtherStageType {

        @Idempotent
        public Promise<String> place(String orderId) {
            return null;
        }
    }

    static class ValidOrders {

        private final AtomicInteger runs = new AtomicInteger();

        int runs() {
            return runs.get();
        }

        @Idempotent(key = "#orderId", ttl = "1h", lease = "30s", keyStrategy = "orderIdKey")
        public String place(String orderId) {
            runs.incrementAndGet();
            return orderId;
        }
    }
}

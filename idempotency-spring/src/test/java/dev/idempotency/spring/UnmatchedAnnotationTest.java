package dev.idempotency.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.Idempotent;
import dev.idempotency.spring.testing.Contexts;

/**
 * {@code @Idempotent} on an interface method that a bean implements. The README says to put the annotation on the
 * implementation, and the aspect's {@code @annotation} pointcut never matches the interface's annotation, with
 * interface (JDK) or class (CGLIB) proxies alike. But the startup check that is to "refuse at startup what the engine
 * cannot protect" reads the interfaces' annotated methods too ({@code IdempotentMethods.annotatedMethods}), resolves
 * this one without complaint, and the application starts looking protected: every duplicate runs the body again.
 * Either the call is protected, or startup refuses it.
 */
class UnmatchedAnnotationTest {

    interface Payments {

        @Idempotent(key = "#order.id")
        Receipt pay(Order order);
    }

    public static class CardPayments implements Payments {

        static final AtomicInteger runs = new AtomicInteger();

        @Override
        public Receipt pay(Order order) {
            return new Receipt(order.id(), order.amount(), runs.incrementAndGet());
        }

        /** An annotated method of the class itself, so that the bean is proxied either way. */
        @Idempotent(key = "#p0")
        public String refund(String orderId) {
            return "refunded " + orderId;
        }
    }

    @Configuration
    @EnableIdempotency
    static class InterfaceProxies {

        @Bean
        Payments payments() {
            return new CardPayments();
        }
    }

    @Configuration
    @EnableIdempotency(proxyTargetClass = true)
    static class ClassProxies {

        @Bean
        Payments payments() {
            return new CardPayments();
        }
    }

    /** The same with a superclass: a subclass overrides the annotated method (to add logging, say) without it. */
    public static class BasePayments {

        @Idempotent(key = "#order.id")
        public Receipt pay(Order order) {
            return new Receipt(order.id(), order.amount(), CardPayments.runs.incrementAndGet());
        }
    }

    public static class LoggingPayments extends BasePayments {

        @Override
        public Receipt pay(Order order) {
            return super.pay(order);
        }

        @Idempotent(key = "#p0")
        public String refund(String orderId) {
            return "refunded " + orderId;
        }
    }

    @Configuration
    @EnableIdempotency
    static class Overriding {

        @Bean
        LoggingPayments payments() {
            return new LoggingPayments();
        }
    }

    @Test
    void protectsOrRefusesAnAnnotatedMethodThatTheBeanOverridesWithoutTheAnnotation() {
        CardPayments.runs.set(0);
        AnnotationConfigApplicationContext context;
        try {
            context = Contexts.start(Overriding.class);
        } catch (BeanInitializationException refused) {
            return;
        }
        try (context) {
            LoggingPayments payments = context.getBean(LoggingPayments.class);

            Receipt first = payments.pay(new Order("o-1", 10));

            // Fails: starts, and the second call runs the body again (run 2).
            assertThat(payments.pay(new Order("o-1", 10))).isEqualTo(first);
        }
    }

    @Test
    void protectsOrRefusesAnInterfaceAnnotationBehindAnInterfaceProxy() {
        // Fails: starts, and the second call runs the body again (run 2).
        assertProtectedOrRefused(InterfaceProxies.class);
    }

    @Test
    void protectsOrRefusesAnInterfaceAnnotationBehindAClassProxy() {
        // Fails: starts, and the second call runs the body again (run 2).
        assertProtectedOrRefused(ClassProxies.class);
    }

    private static void assertProtectedOrRefused(Class<?> config) {
        CardPayments.runs.set(0);
        AnnotationConfigApplicationContext context;
        try {
            context = Contexts.start(config);
        } catch (BeanInitializationException refused) {
            return;
        }
        try (context) {
            Payments payments = context.getBean(Payments.class);

            Receipt first = payments.pay(new Order("o-1", 10));

            assertThat(payments.pay(new Order("o-1", 10))).as("a duplicate of a call the application started with")
                    .isEqualTo(first);
        }
    }
}

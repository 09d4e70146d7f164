package dev.idempotency.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.IdempotencyPayloadMismatchException;
import dev.idempotency.Idempotent;
import dev.idempotency.spring.testing.Contexts;

/**
 * {@code KeyExpressions} refuses at startup a key expression whose variables the evaluation will not hold, because
 * {@code 'order-' + #orderId} would give every order the one key {@code order-null}. Expressions that slip through
 * with the same effect, and one valid expression that it refuses.
 */
class KeyExpressionsTest {

    public static class Payments {

        final AtomicInteger runs = new AtomicInteger();

        /** A position with a leading zero: the check reads it as #p1, the evaluation holds no such variable. */
        @Idempotent(key = "'order-' + #p01")
        public String pay(String customer, String orderId) {
            return customer + " paid " + orderId + " (run " + runs.incrementAndGet() + ")";
        }
    }

    @Configuration
    @EnableIdempotency
    static class LeadingZero {

        @Bean
        Payments payments() {
            return new Payments();
        }
    }

    @Test
    void refusesOrKeysByAPositionWrittenWithALeadingZero() {
        AnnotationConfigApplicationContext context;
        try {
            context = Contexts.start(LeadingZero.class);
        } catch (BeanInitializationException refused) {
            return;
        }
        try (context) {
            Payments payments = context.getBean(Payments.class);
            payments.pay("alice", "o-1");

            // Fails: IdempotencyPayloadMismatchException: every order has the key "order-null".
            assertThat(payments.pay("alice", "o-2")).isEqualTo("alice paid o-2 (run 2)");
        }
    }

    public static class Batches {

        /** {@code #this} inside a projection is the element: a valid key of the orders' ids. */
        @Idempotent(key = "#orderIds.![#this.toUpperCase()]")
        public String submit(List<String> orderIds) {
            return "submitted " + orderIds;
        }
    }

    @Configuration
    @EnableIdempotency
    static class Projection {

        @Bean
        Batches batches() {
            return new Batches();
        }
    }

    @Test
    void acceptsThisInsideAProjection() {
        // Fails: BeanInitializationException "... names #this, which is not a parameter of the method, so it would be
        // null at every call", but inside a projection or selection #this is the element.
        try (AnnotationConfigApplicationContext context = Contexts.start(Projection.class)) {
            assertThat(context.getBean(Batches.class).submit(List.of("o-1"))).isEqualTo("submitted [o-1]");
        }
    }

    public static class Checkout {

        final AtomicInteger runs = new AtomicInteger();

        /** A literal only: one key for every call, whatever the arguments. */
        @Idempotent(key = "'checkout'")
        public String place(String orderId) {
            return "placed " + orderId + " (run " + runs.incrementAndGet() + ")";
        }
    }

    @Configuration
    @EnableIdempotency
    static class Constant {

        @Bean
        Checkout checkout() {
            return new Checkout();
        }
    }

    @Test
    void refusesOrKeysApartCallsOfAKeyExpressionThatReadsNothing() {
        AnnotationConfigApplicationContext context;
        try {
            context = Contexts.start(Constant.class);
        } catch (BeanInitializationException refused) {
            return;
        }
        try (context) {
            Checkout checkout = context.getBean(Checkout.class);
            checkout.place("o-1");

            // Fails: the second order is refused as the first one's key with another payload.
            assertThat(checkout.place("o-2")).isEqualTo("placed o-2 (run 2)");
        } catch (IdempotencyPayloadMismatchException e) {
            throw new AssertionError("a constant key expression started, and a second order was refused", e);
        }
    }
}

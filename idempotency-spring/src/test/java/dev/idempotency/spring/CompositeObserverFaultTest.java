package dev.idempotency.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

import dev.idempotency.CallOutcome;
import dev.idempotency.IdempotencyObserver;
import dev.idempotency.Idempotent;
import dev.idempotency.spring.testing.Contexts;

/**
 * Several {@link IdempotencyObserver} beans: the engine's contract is that an observer "must not throw (what they throw
 * is logged and ignored)", so one faulty observer (an application's own tracing bean) must cost only its own
 * observations: an observer started before a throwing one is still left and ended (else its scope would stay open on
 * the caller's pooled thread, and the call would never be counted), and so is one after a throwing {@code leave} or
 * {@code end}.
 *
 * <p>{@link Scoped} works like Micrometer's observer: {@code start} opens a scope on the caller's thread, {@code leave}
 * closes it, {@code end} records the outcome.
 */
class CompositeObserverFaultTest {

    @Test
    void endsTheObserversStartedBeforeOneWhoseStartThrows() {
        try (AnnotationConfigApplicationContext context = Contexts.start(ThrowsAtStart.class)) {
            Scoped scoped = context.getBean(Scoped.class);

            assertThat(context.getBean(Tickets.class).book("t-1")).isEqualTo("booked t-1");

            assertThat(Scoped.OPEN.get()).as("the scope opened on the caller's thread was closed").isZero();
            assertThat(scoped.outcomes).containsExactly(CallOutcome.EXECUTED);
        } finally {
            Scoped.OPEN.remove();
        }
    }

    @Test
    void leavesAndEndsTheOtherObserversWhenOneThrowsAsTheCallEnds() {
        try (AnnotationConfigApplicationContext context = Contexts.start(ThrowsAtTheEnd.class)) {
            Scoped scoped = context.getBean(Scoped.class);

            assertThat(context.getBean(Tickets.class).book("t-1")).isEqualTo("booked t-1");

            assertThat(Scoped.OPEN.get()).as("the scope opened on the caller's thread was closed").isZero();
            assertThat(scoped.outcomes).containsExactly(CallOutcome.EXECUTED);
        } finally {
            Scoped.OPEN.remove();
        }
    }

    @Configuration
    @EnableIdempotency
    static class Base {

        @Bean
        Tickets tickets() {
            return new Tickets();
        }

        @Bean
        @Order(1)
        Scoped scoped() {
            return new Scoped();
        }
    }

    @Configuration
    @EnableIdempotency
    static class ThrowsAtStart extends Base {

        @Bean
        @Order(2)
        IdempotencyObserver failingAtStart() {
            return namespace -> {
                throw new IllegalStateException("observer bug at start");
            };
        }
    }

    @Configuration
    @EnableIdempotency
    static class ThrowsAtTheEnd extends Base {

        /** Started last, so left and ended first: its exception must not skip {@link Scoped}. */
        @Bean
        @Order(2)
        IdempotencyObserver failingAtTheEnd() {
            return namespace -> new IdempotencyObserver.ObservedCall() {
                @Override
                public void leave() {
                    throw new IllegalStateException("observer bug at leave");
                }

                @Override
                public void end(CallOutcome outcome, @Nullable Throwable failure) {
                    throw new IllegalStateException("observer bug at end");
                }
            };
        }
    }

    /** Opens a scope on the caller's thread at the start of a call and closes it when the caller leaves. */
    static final class Scoped implements IdempotencyObserver {

        static final ThreadLocal<Integer> OPEN = ThreadLocal.withInitial(() -> 0);

        final List<CallOutcome> outcomes = new CopyOnWriteArrayList<>();

        @Override
        public ObservedCall start(String namespace) {
            OPEN.set(OPEN.get() + 1);
            return new ObservedCall() {
                @Override
                public void leave() {
                    OPEN.set(OPEN.get() - 1);
                }

                @Override
                public void end(CallOutcome outcome, @Nullable Throwable failure) {
                    outcomes.add(outcome);
                }
            };
        }
    }

    static class Tickets {

        @Idempotent(name = "tickets.book")
        public String book(String ticketId) {
            return "booked " + ticketId;
        }
    }
}

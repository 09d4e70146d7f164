package dev.idempotency.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.Idempotent;
import dev.idempotency.spring.testing.Contexts;

/**
 * A command handler implementing a generic interface, called through the interface: the call arrives at the proxy as
 * the erased bridge {@code handle(Object)}, the annotation is on {@code handle(PlaceOrder)}, and the key expression
 * names the implementation's parameter. Holds, behind interface and class proxies alike; kept as a guard, as the
 * usual shape of CQRS-style services.
 */
class GenericCommandHandlerGuardTest {

    interface CommandHandler<C> {

        Receipt handle(C command);
    }

    record PlaceOrder(String id, int amount) {
    }

    public static class PlaceOrderHandler implements CommandHandler<PlaceOrder> {

        static final AtomicInteger runs = new AtomicInteger();

        @Override
        @Idempotent(key = "#command.id")
        public Receipt handle(PlaceOrder command) {
            return new Receipt(command.id(), command.amount(), runs.incrementAndGet());
        }
    }

    @Configuration
    @EnableIdempotency
    static class InterfaceProxies {

        @Bean
        CommandHandler<PlaceOrder> placeOrderHandler() {
            return new PlaceOrderHandler();
        }
    }

    @Configuration
    @EnableIdempotency(proxyTargetClass = true)
    static class ClassProxies {

        @Bean
        CommandHandler<PlaceOrder> placeOrderHandler() {
            return new PlaceOrderHandler();
        }
    }

    @Test
    void replaysAGenericHandlerBehindAnInterfaceProxy() {
        assertReplays(InterfaceProxies.class);
    }

    @Test
    void replaysAGenericHandlerBehindAClassProxy() {
        assertReplays(ClassProxies.class);
    }

    @SuppressWarnings("unchecked")
    private static void assertReplays(Class<?> config) {
        PlaceOrderHandler.runs.set(0);
        try (AnnotationConfigApplicationContext context = Contexts.start(config)) {
            CommandHandler<PlaceOrder> handler = context.getBean(CommandHandler.class);

            Receipt first = handler.handle(new PlaceOrder("o-1", 10));

            assertThat(handler.handle(new PlaceOrder("o-1", 10))).isEqualTo(first);
            assertThat(PlaceOrderHandler.runs).hasValue(1);
        }
    }
}

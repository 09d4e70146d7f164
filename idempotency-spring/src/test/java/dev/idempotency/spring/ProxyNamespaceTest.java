package dev.idempotency.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.IdempotencyEvent;
import dev.idempotency.IdempotencyListener;
import dev.idempotency.Idempotent;
import dev.idempotency.spring.testing.Contexts;

/**
 * A bean that is itself a JDK proxy of an annotated interface: an HTTP interface client ({@code @HttpExchange}), a
 * Feign client, a Spring Data repository, a MyBatis mapper. The default namespace is now "the class the call is made
 * on", and for such a bean that is the generated proxy class ({@code $Proxy57}), whose number depends on how many
 * proxies the JVM made before it: a deploy that adds one bean, or a different bean creation order, renames every
 * record of the operation, so each retry in flight across it runs the body again. The namespace must not name a
 * generated class.
 */
class ProxyNamespaceTest {

    /** A client of the payment provider, implemented by a proxy, as HTTP interface clients are. */
    interface PaymentClient {

        @Idempotent(key = "#p0")
        String charge(String orderId);
    }

    @Configuration
    @EnableIdempotency
    static class AppConfig {

        static final AtomicInteger calls = new AtomicInteger();
        static final List<String> namespaces = new CopyOnWriteArrayList<>();

        @Bean
        PaymentClient paymentClient() {
            return (PaymentClient) Proxy.newProxyInstance(PaymentClient.class.getClassLoader(),
                    new Class<?>[] {PaymentClient.class},
                    (proxy, method, arguments) -> "charged " + arguments[0] + " #" + calls.incrementAndGet());
        }

        @Bean
        IdempotencyListener namespaceRecorder() {
            return new IdempotencyListener() {
                @Override
                public void onExecuted(IdempotencyEvent event) {
                    namespaces.add(event.namespace());
                }
            };
        }
    }

    @Test
    void namesTheRecordsOfAProxiedInterfaceAfterTheInterfaceNotTheGeneratedProxyClass() {
        try (AnnotationConfigApplicationContext context = Contexts.start(AppConfig.class)) {
            context.getBean(PaymentClient.class).charge("o-1");

            // Fails: the namespace is "dev.idempotency.spring.$ProxyNN.charge".
            assertThat(AppConfig.namespaces).singleElement().asString().doesNotContain("$Proxy")
                    .isEqualTo(PaymentClient.class.getName() + ".charge");
        }
    }
}

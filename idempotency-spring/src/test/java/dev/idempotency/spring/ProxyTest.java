package dev.idempotency.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.Idempotency;
import dev.idempotency.Idempotent;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.spring.testing.Contexts;

/**
 * Which calls the proxies intercept: interface (JDK) and class (CGLIB) proxies both do; a bean's call to its own
 * method (self-invocation) and a {@code final} method are not intercepted, as documented.
 */
class ProxyTest {

    @BeforeEach
    void resetCounters() {
        Checkout.finalRuns.set(0);
        AppConfig.gatewayCalls.set(0);
    }

    @Test
    void interceptsAnAnnotatedImplementationBehindAnInterfaceProxy() {
        try (AnnotationConfigApplicationContext context = Contexts.start(AppConfig.class)) {
            PaymentService service = context.getBean(PaymentService.class);

            Receipt first = service.pay(new Order("o-1", 10));

            assertThat(AopUtils.isJdkDynamicProxy(service)).isTrue();
            assertThat(service.pay(new Order("o-1", 10))).isEqualTo(first);
            assertThat(service.runs()).isEqualTo(1);
        }
    }

    @Test
    void interceptsAClassProxy() {
        try (AnnotationConfigApplicationContext context = Contexts.start(AppConfig.class)) {
            Checkout checkout = context.getBean(Checkout.class);

            Receipt first = checkout.place(new Order("o-1", 10));

            assertThat(AopUtils.isCglibProxy(checkout)).isTrue();
            assertThat(checkout.place(new Order("o-1", 10))).isEqualTo(first);
            assertThat(checkout.runs()).isEqualTo(1);
        }
    }

    @Test
    void proxiesClassesWhenAskedToSoThatBeansAreInjectableByTheirClass() {
        try (AnnotationConfigApplicationContext context = Contexts.start(ClassProxies.class)) {
            CardPaymentService service = context.getBean(CardPaymentService.class);

            Receipt first = service.pay(new Order("o-1", 10));

            assertThat(AopUtils.isCglibProxy(service)).isTrue();
            assertThat(service.pay(new Order("o-1", 10))).isEqualTo(first);
            assertThat(service.runs()).isEqualTo(1);
        }
    }

    @Test
    void interceptsAnAnnotatedInterfaceMethodOfABeanThatIsItselfAProxy() {
        try (AnnotationConfigApplicationContext context = Contexts.start(AppConfig.class)) {
            Gateway gateway = context.getBean(Gateway.class);

            String first = gateway.charge("o-1");

            assertThat(gateway.charge("o-1")).isEqualTo(first);
            assertThat(AppConfig.gatewayCalls).hasValue(1);
        }
    }

    @Test
    void doesNotInterceptACallFromABeanToItsOwnMethod() {
        try (AnnotationConfigApplicationContext context = Contexts.start(AppConfig.class)) {
            Checkout checkout = context.getBean(Checkout.class);

            checkout.placeTwiceFromWithin(new Order("o-1", 10));

            assertThat(checkout.runs()).isEqualTo(2);
        }
    }

    @Test
    void protectsACallFromWithinTheBeanThroughTheProgrammaticApi() {
        try (AnnotationConfigApplicationContext context = Contexts.start(AppConfig.class)) {
            Checkout checkout = context.getBean(Checkout.class);

            checkout.placeTwiceProgrammatically(new Order("o-1", 10));

            assertThat(checkout.runs()).isEqualTo(1);
        }
    }

    @Test
    void doesNotInterceptAFinalMethod() {
        try (AnnotationConfigApplicationContext context = Contexts.start(AppConfig.class)) {
            Checkout checkout = context.getBean(Checkout.class);

            checkout.placeFinal(new Order("o-1", 10));
            checkout.placeFinal(new Order("o-1", 10));

            assertThat(Checkout.finalRuns).hasValue(2);
        }
    }

    interface PaymentService {

        Receipt pay(Order order);

        int runs();
    }

    /** The annotation is on the implementation only: the aspect finds it behind the interface proxy. */
    static class CardPaymentService implements PaymentService {

        private final AtomicInteger runs = new AtomicInteger();

        @Override
        @Idempotent(key = "#order.id")
        public Receipt pay(Order order) {
            return new Receipt(order.id(), order.amount(), runs.incrementAndGet());
        }

        @Override
        public int runs() {
            return runs.get();
        }
    }

    /** An interface whose implementation is a proxy of its own, as with Spring Data repositories. */
    interface Gateway {

        @Idempotent(key = "#p0")
        String charge(String orderId);
    }

    static class Checkout {

        static final AtomicInteger finalRuns = new AtomicInteger();

        private final AtomicInteger runs = new AtomicInteger();

        @Autowired
        private Idempotency idempotency;

        int runs() {
            return runs.get();
        }

        @Idempotent(key = "#order.id")
        public Receipt place(Order order) {
            return new Receipt(order.id(), order.amount(), runs.incrementAndGet());
        }

        public void placeTwiceFromWithin(Order order) {
            place(order);
            place(order);
        }

        public void placeTwiceProgrammatically(Order order) {
            IdempotentOperation<Receipt> operation =
                    idempotency.operation("checkout.place", Receipt.class).build();
            operation.execute(order.id(), order, () -> place(order));
            operation.execute(order.id(), order, () -> place(order));
        }

        @Idempotent(key = "#order.id")
        public final Receipt placeFinal(Order order) {
            return new Receipt(order.id(), order.amount(), finalRuns.incrementAndGet());
        }
    }

    @Configuration
    @EnableIdempotency
    static class AppConfig {

        static final AtomicInteger gatewayCalls = new AtomicInteger();

        @Bean
        PaymentService paymentService() {
            return new CardPaymentService();
        }

        @Bean
        Checkout checkout() {
            return new Checkout();
        }

        @Bean
        Gateway gateway() {
            return (Gateway) Proxy.newProxyInstance(Gateway.class.getClassLoader(), new Class<?>[] { Gateway.class },
                    (proxy, method, arguments) -> "charged " + arguments[0] + " #" + gatewayCalls.incrementAndGet());
        }
    }

    @Configuration
    @EnableIdempotency(proxyTargetClass = true)
    static class ClassProxies {

        @Bean
        CardPaymentService paymentService() {
            return new CardPaymentService();
        }
    }
}

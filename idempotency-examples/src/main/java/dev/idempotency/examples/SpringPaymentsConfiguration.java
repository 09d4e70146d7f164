package dev.idempotency.examples;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.key.KeyStrategy;
import dev.idempotency.spring.EnableIdempotency;

/** The Spring set-up of the example: enable the aspect, declare the service and a custom key strategy. */
@Configuration
@EnableIdempotency
public class SpringPaymentsConfiguration {

    @Bean
    PaymentGateway paymentGateway() {
        return new PaymentGateway();
    }

    @Bean
    Payments payments(PaymentGateway gateway) {
        return new AnnotatedPayments(gateway);
    }

    /** Picked by {@code @Idempotent(keyStrategy = "orderAndCard")}. */
    @Bean
    KeyStrategy orderAndCard() {
        return ProgrammaticPayments.ORDER_AND_CARD;
    }
}

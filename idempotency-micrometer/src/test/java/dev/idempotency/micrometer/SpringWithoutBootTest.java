package dev.idempotency.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.IdempotencyListener;
import dev.idempotency.IdempotencyObserver;
import dev.idempotency.Idempotent;
import dev.idempotency.spring.EnableIdempotency;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The README's Spring configuration without Boot: the listener and observer as beans reach the engine. */
class SpringWithoutBootTest {

    @Test
    void countsTheCallsOfAnAnnotatedMethodThroughTheBeans() {
        try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext(AppConfig.class)) {
            Receipts receipts = context.getBean(Receipts.class);

            receipts.issue("r-1");
            receipts.issue("r-1");

            MeterRegistry meters = context.getBean(MeterRegistry.class);
            assertThat(meters.get(IdempotencyMetrics.CALLS).tag("namespace", "receipts.issue")
                    .tag("outcome", "executed").counter().count()).isEqualTo(1);
            assertThat(meters.get(IdempotencyMetrics.CALLS).tag("outcome", "replayed_from_cache").counter().count())
                    .isEqualTo(1);
            assertThat(meters.get(IdempotencyMetrics.STORE_REQUESTS).tag("store", "memory").tag("operation", "complete")
                    .tag("result", "success").timer().count()).isEqualTo(1);
        }
    }

    @Configuration
    @EnableIdempotency
    static class AppConfig {

        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }

        @Bean
        IdempotencyMetrics idempotencyMetrics(MeterRegistry meterRegistry) {
            return IdempotencyMetrics.builder().meterRegistry(meterRegistry).storeType("memory").build();
        }

        @Bean
        IdempotencyListener idempotencyMetricsListener(IdempotencyMetrics metrics) {
            return metrics.listener();
        }

        @Bean
        IdempotencyObserver idempotencyMetricsObserver(IdempotencyMetrics metrics) {
            return metrics.observer();
        }

        @Bean
        Receipts receipts() {
            return new Receipts();
        }
    }

    static class Receipts {

        @Idempotent(name = "receipts.issue")
        public String issue(String orderId) {
            return "receipt for " + orderId;
        }
    }
}

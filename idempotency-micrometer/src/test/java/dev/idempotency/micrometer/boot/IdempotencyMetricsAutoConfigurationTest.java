package dev.idempotency.micrometer.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.actuate.endpoint.MetricsEndpoint;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.IdempotencyListener;
import dev.idempotency.IdempotencyObserver;
import dev.idempotency.Idempotent;
import dev.idempotency.micrometer.IdempotencyMetrics;
import dev.idempotency.spring.boot.IdempotencyAutoConfiguration;
import dev.idempotency.store.InMemoryIdempotencyStore;
import dev.idempotency.testing.CountingIdempotencyStore;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** The auto-configuration in contexts that {@link ApplicationContextRunner} starts, with Boot's Micrometer set-up. */
class IdempotencyMetricsAutoConfigurationTest {

    private static final AutoConfigurations METRICS = AutoConfigurations.of(MetricsAutoConfiguration.class,
            CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class);
    private static final AutoConfigurations OBSERVATIONS = AutoConfigurations.of(ObservationAutoConfiguration.class);
    private static final AutoConfigurations IDEMPOTENCY = AutoConfigurations.of(IdempotencyAutoConfiguration.class,
            IdempotencyMetricsAutoConfiguration.class);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(IDEMPOTENCY)
            .withUserConfiguration(Services.class);

    @Test
    void countsTheApplicationsCallsInBootsMeterRegistryAndObservesThem() {
        runner.withConfiguration(METRICS).withConfiguration(OBSERVATIONS).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(IdempotencyMetrics.class)
                    .hasBean("idempotencyMetricsListener").hasBean("idempotencyMetricsObserver");
            Invoices invoices = context.getBean(Invoices.class);

            invoices.issue("i-1");
            invoices.issue("i-1");

            MeterRegistry meters = context.getBean(MeterRegistry.class);
            assertThat(meters.get(IdempotencyMetrics.CALLS).tag("outcome", "executed").counter().count())
                    .isEqualTo(1);
            assertThat(meters.get(IdempotencyMetrics.CALLS).tag("outcome", "replayed_from_cache").counter().count())
                    .isEqualTo(1);
            assertThat(meters.get(IdempotencyMetrics.STORE_REQUESTS).tag("store", "memory")
                    .tag("operation", "claim").tag("result", "success").timer().count()).isEqualTo(1);
            assertThat(meters.get(IdempotencyMetrics.OBSERVATION).tag("outcome", "executed").timer().count())
                    .as("Boot's meter handler times the observation").isEqualTo(1);
        });
    }

    @Test
    void tagsTheApplicationsOwnStore() {
        runner.withConfiguration(METRICS).withUserConfiguration(OwnStore.class).run(context -> {
            context.getBean(Invoices.class).issue("i-1");

            assertThat(context.getBean(MeterRegistry.class).get(IdempotencyMetrics.STORE_REQUESTS)
                    .tag("store", "counting").timers()).hasSize(8);
        });
    }

    @Test
    void usesTheApplicationsOwnMetricsInstead() {
        runner.withConfiguration(METRICS).withUserConfiguration(OwnMetrics.class).run(context -> {
            assertThat(context).hasSingleBean(IdempotencyMetrics.class);
            context.getBean(Invoices.class).issue("i-1");

            assertThat(OwnMetrics.REGISTRY.get(IdempotencyMetrics.CALLS).counter().count()).isEqualTo(1);
            assertThat(context.getBean(MeterRegistry.class).find(IdempotencyMetrics.CALLS).counters()).isEmpty();
        });
    }

    @Test
    void observesWithoutMetersWhenTheApplicationOnlyTraces() {
        runner.withConfiguration(OBSERVATIONS).run(context -> {
            assertThat(context).hasSingleBean(IdempotencyMetrics.class).doesNotHaveBean(MeterRegistry.class)
                    .hasSingleBean(ObservationRegistry.class);
            assertThat(context.getBean("idempotencyMetricsListener")).isSameAs(IdempotencyListener.NO_OP);
            assertThat(context.getBean(Invoices.class).issue("i-1")).isNotNull();
        });
    }

    @Test
    void staysAwayWithoutAMeterOrObservationRegistry() {
        runner.run(context -> assertThat(context).hasNotFailed()
                .doesNotHaveBean(IdempotencyMetrics.class)
                .doesNotHaveBean(IdempotencyObserver.class)
                .doesNotHaveBean(IdempotencyListener.class));
    }

    @Test
    void turnsTheMetersOffWithBootsOwnProperty() {
        runner.withConfiguration(METRICS).withPropertyValues("management.metrics.enable.idempotency=false")
                .run(context -> {
                    context.getBean(Invoices.class).issue("i-1");

                    assertThat(context.getBean(MeterRegistry.class).getMeters())
                            .noneMatch(meter -> meter.getId().getName().startsWith("idempotency."));
                });
    }

    @Test
    void turnsTheObservationsOffWithBootsOwnPropertyAndKeepsCounting() {
        runner.withConfiguration(METRICS).withConfiguration(OBSERVATIONS)
                .withPropertyValues("management.observations.enable.idempotency=false").run(context -> {
                    context.getBean(Invoices.class).issue("i-1");

                    MeterRegistry meters = context.getBean(MeterRegistry.class);
                    assertThat(meters.find(IdempotencyMetrics.OBSERVATION).timers()).isEmpty();
                    assertThat(meters.get(IdempotencyMetrics.CALLS).counter().count()).isEqualTo(1);
                });
    }

    /** Prints what {@code /actuator/metrics/idempotency.calls} answers after a few calls, for the README. */
    @Test
    void showsTheCallsAsTheActuatorsMetricsEndpointDoes() {
        runner.withConfiguration(METRICS).withConfiguration(OBSERVATIONS).run(context -> {
            Invoices invoices = context.getBean(Invoices.class);
            invoices.issue("i-1");
            invoices.issue("i-1");
            invoices.issue("i-2");
            try {
                invoices.refuse("i-3");
            } catch (IllegalStateException expected) {
                // released: a retry runs again
            }
            MetricsEndpoint endpoint = new MetricsEndpoint(context.getBean(MeterRegistry.class));
            JsonMapper json = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

            String calls = json.writeValueAsString(endpoint.metric(IdempotencyMetrics.CALLS, null));
            String claims = json.writeValueAsString(endpoint.metric(IdempotencyMetrics.STORE_REQUESTS,
                    java.util.List.of("operation:claim")));
            System.out.println("GET /actuator/metrics/" + IdempotencyMetrics.CALLS + "\n" + calls);
            System.out.println("GET /actuator/metrics/" + IdempotencyMetrics.STORE_REQUESTS + "?tag=operation:claim\n"
                    + claims);

            assertThat(calls).contains("\"value\" : 4.0").contains("\"tag\" : \"outcome\"")
                    .contains("\"replayed_from_cache\"").doesNotContain("i-1");
            assertThat(claims).contains("\"statistic\" : \"COUNT\"").contains("\"value\" : 3.0");
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class Services {

        @Bean
        Invoices invoices() {
            return new Invoices();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnStore {

        @Bean
        CountingIdempotencyStore countingStore() {
            return new CountingIdempotencyStore(InMemoryIdempotencyStore.create());
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnMetrics {

        static final SimpleMeterRegistry REGISTRY = new SimpleMeterRegistry();

        @Bean
        IdempotencyMetrics ownMetrics() {
            return IdempotencyMetrics.builder().meterRegistry(REGISTRY).storeType("memory").build();
        }
    }

    public record Invoice(String id, int run) {
    }

    static class Invoices {

        private final AtomicInteger runs = new AtomicInteger();

        @Idempotent(name = "invoices.issue")
        public Invoice issue(String orderId) {
            return new Invoice(orderId, runs.incrementAndGet());
        }

        @Idempotent(name = "invoices.refuse")
        public Invoice refuse(String orderId) {
            throw new IllegalStateException("no invoice for " + orderId);
        }
    }
}

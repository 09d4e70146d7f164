package dev.idempotency.micrometer.boot;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.Idempotency;
import dev.idempotency.micrometer.IdempotencyMetrics;
import dev.idempotency.redis.RedisIdempotencyStore;
import dev.idempotency.spring.IdempotencyProperties;
import dev.idempotency.spring.boot.IdempotencyAutoConfiguration;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The {@code store} tag must name the store the engine uses. The Spring module lets the application's own
 * {@link IdempotencyProperties} bean win over the bound properties ("Beans of the application win: ... its own
 * IdempotencyProperties bean"), and the engine then uses the store that bean chooses, so the metrics must read that
 * bean too, not {@code idempotency.store.type} from the Environment: else the dashboards of an instance on Redis
 * show an in-memory store.
 */
class StoreTagTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
                    CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
                    IdempotencyAutoConfiguration.class, IdempotencyMetricsAutoConfiguration.class))
            // Nothing listens on port 1: the store connects at its first request, which this test never makes.
            .withPropertyValues("idempotency.redis.uri=redis://127.0.0.1:1");

    @Test
    void tagsTheStoreThatTheApplicationsOwnPropertiesChoose() {
        runner.withUserConfiguration(OwnProperties.class).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(Idempotency.class).store()).isInstanceOf(RedisIdempotencyStore.class);

            MeterRegistry meters = context.getBean(MeterRegistry.class);
            assertThat(meters.find(IdempotencyMetrics.STORE_REQUESTS).timers())
                    .extracting(Timer::getId).extracting(id -> id.getTag("store"))
                    .hasSize(8).containsOnly("redis");
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnProperties {

        @Bean
        IdempotencyProperties idempotencyProperties() {
            IdempotencyProperties properties = new IdempotencyProperties();
            properties.getStore().setType("redis");
            return properties;
        }
    }
}

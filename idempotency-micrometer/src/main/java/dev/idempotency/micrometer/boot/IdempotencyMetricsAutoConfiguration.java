package dev.idempotency.micrometer.boot;

import java.util.Locale;

import org.jspecify.annotations.Nullable;
import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyListener;
import dev.idempotency.IdempotencyObserver;
import dev.idempotency.micrometer.IdempotencyMetrics;
import dev.idempotency.spring.IdempotencyProperties;
import dev.idempotency.store.IdempotencyStore;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;

/**
 * Micrometer instrumentation in Spring Boot, with the Spring module: an {@link IdempotencyMetrics} on the
 * application's {@link MeterRegistry} and {@link ObservationRegistry} (whichever it has), whose listener and observer
 * beans the Spring integration hands its engine. It backs off when the application defines its own
 * {@link IdempotencyMetrics} bean (whose listener and observer are then used). Turn the meters off with Boot's
 * {@code management.metrics.enable.idempotency=false}, the observations with
 * {@code management.observations.enable.idempotency=false}.
 *
 * <p>The {@code store} tag names the application's {@link IdempotencyStore} bean, or else the store that its
 * {@link IdempotencyProperties} (bound from {@code idempotency.store.type}) choose, as the engine does.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration"})
@ConditionalOnClass({Idempotency.class, IdempotencyProperties.class, MeterRegistry.class, ObservationRegistry.class})
@Conditional(IdempotencyMetricsAutoConfiguration.OnMeterOrObservationRegistry.class)
public class IdempotencyMetricsAutoConfiguration {

    /** The store type the Spring integration uses without a store bean and without the property. */
    static final String DEFAULT_STORE_TYPE = "memory";

    @Bean
    @ConditionalOnMissingBean
    public IdempotencyMetrics idempotencyMetrics(ObjectProvider<MeterRegistry> meterRegistry,
            ObjectProvider<ObservationRegistry> observationRegistry, ObjectProvider<IdempotencyStore> store,
            ObjectProvider<IdempotencyProperties> properties, Environment environment) {
        IdempotencyMetrics.Builder builder = IdempotencyMetrics.builder();
        MeterRegistry meters = meterRegistry.getIfUnique();
        if (meters != null) {
            builder.meterRegistry(meters);
            IdempotencyStore own = unproxied(store.getIfUnique());
            // The same precedence as the engine's: a store bean, else the properties bean, else the environment.
            String type = own != null ? IdempotencyMetrics.storeType(own) : properties
                    .getIfAvailable(() -> IdempotencyProperties.from(environment)).getStore().getType();
            builder.storeType(type == null || type.isBlank() ? DEFAULT_STORE_TYPE
                    : type.trim().toLowerCase(Locale.ROOT));
        }
        observationRegistry.ifUnique(builder::observationRegistry);
        return builder.build();
    }

    /** The store behind Spring AOP proxies (an aspect on the store bean), which the tag names rather than the proxy. */
    private static @Nullable IdempotencyStore unproxied(@Nullable IdempotencyStore store) {
        Object target = store;
        for (Object next = target; next != null; next = AopProxyUtils.getSingletonTarget(target)) {
            target = next;
        }
        return target instanceof IdempotencyStore unwrapped ? unwrapped : store;
    }

    @Bean
    public IdempotencyListener idempotencyMetricsListener(IdempotencyMetrics idempotencyMetrics) {
        return idempotencyMetrics.listener();
    }

    @Bean
    public IdempotencyObserver idempotencyMetricsObserver(IdempotencyMetrics idempotencyMetrics) {
        return idempotencyMetrics.observer();
    }

    /** A meter registry, an observation registry, or both. */
    static final class OnMeterOrObservationRegistry extends AnyNestedCondition {

        OnMeterOrObservationRegistry() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnBean(MeterRegistry.class)
        static final class MeterRegistryBean {
        }

        @ConditionalOnBean(ObservationRegistry.class)
        static final class ObservationRegistryBean {
        }
    }
}

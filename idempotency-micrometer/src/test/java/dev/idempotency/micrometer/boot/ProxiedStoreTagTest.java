package dev.idempotency.micrometer.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.idempotency.Idempotency;
import dev.idempotency.micrometer.IdempotencyMetrics;
import dev.idempotency.spring.boot.IdempotencyAutoConfiguration;
import dev.idempotency.store.ClaimResult;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.IdempotencyStore;
import dev.idempotency.store.InMemoryIdempotencyStore;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * An aspect on the application's store bean (tracing, retries, a custom {@code @Timed}) makes Spring hand out a proxy:
 * a CGLIB subclass named {@code TenantIdempotencyStore$$SpringCGLIB$$0}, or a JDK proxy {@code $Proxy57} whose
 * number changes with every start. The {@code store} tag must still name the store, one fixed word, else every
 * dashboard's query by store breaks at the next deploy.
 */
class ProxiedStoreTagTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
                    CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
                    IdempotencyAutoConfiguration.class, IdempotencyMetricsAutoConfiguration.class));

    @ParameterizedTest(name = "proxyTargetClass={0}")
    @ValueSource(booleans = {true, false})
    void namesTheStoreBehindAnAspectsProxy(boolean proxyTargetClass) {
        runner.withBean(TenantIdempotencyStore.class)
                .withBean("proxyingPostProcessor", BeanPostProcessor.class, () -> proxying(proxyTargetClass))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    IdempotencyStore store = context.getBean(Idempotency.class).store();
                    assertThat(store.getClass().getName()).contains(proxyTargetClass ? "$$" : "$Proxy");

                    MeterRegistry meters = context.getBean(MeterRegistry.class);
                    assertThat(meters.find(IdempotencyMetrics.STORE_REQUESTS).timers())
                            .extracting(Timer::getId).extracting(id -> id.getTag("store"))
                            .isNotEmpty().containsOnly("tenant");
                });
    }

    @ParameterizedTest(name = "proxyTargetClass={0}")
    @ValueSource(booleans = {true, false})
    void namesAProxiedStoreWithoutSpringsHelpOneFixedWord(boolean proxyTargetClass) {
        ProxyFactory factory = new ProxyFactory(new TenantIdempotencyStore());
        factory.setProxyTargetClass(proxyTargetClass);
        factory.addInterface(IdempotencyStore.class);
        IdempotencyStore proxy = (IdempotencyStore) factory.getProxy();

        assertThat(IdempotencyMetrics.storeType(proxy)).isEqualTo(proxyTargetClass ? "tenant" : "custom");
    }

    private static BeanPostProcessor proxying(boolean proxyTargetClass) {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String beanName) {
                if (!(bean instanceof TenantIdempotencyStore)) {
                    return bean;
                }
                ProxyFactory factory = new ProxyFactory(bean);
                factory.setProxyTargetClass(proxyTargetClass);
                factory.addInterface(IdempotencyStore.class);
                return factory.getProxy();
            }
        };
    }

    /** An application's own store: a tenant-aware wrapper, here around the in-memory store. */
    public static class TenantIdempotencyStore implements IdempotencyStore {

        private final IdempotencyStore delegate = InMemoryIdempotencyStore.create();

        @Override
        public ClaimResult claim(IdempotencyRecord record, Instant now) {
            return delegate.claim(record, now);
        }

        @Override
        public boolean complete(IdempotencyRecord finished) {
            return delegate.complete(finished);
        }

        @Override
        public boolean release(String id, String claimToken) {
            return delegate.release(id, claimToken);
        }

        @Override
        public Optional<IdempotencyRecord> find(String id) {
            return delegate.find(id);
        }
    }
}

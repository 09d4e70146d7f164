package dev.idempotency.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.Idempotent;
import dev.idempotency.InProgressPolicy;
import dev.idempotency.spring.EnableIdempotency;
import dev.idempotency.spring.IdempotencyConfiguration;
import dev.idempotency.spring.IdempotencyProperties;
import dev.idempotency.store.IdempotencyStore;
import dev.idempotency.store.InMemoryIdempotencyStore;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The Spring Boot auto-configuration, in contexts that {@link ApplicationContextRunner} starts. */
class IdempotencyAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IdempotencyAutoConfiguration.class))
            .withUserConfiguration(Services.class);

    @Test
    void givesAnIdempotencyOnTheMemoryStoreWithTheDefaultSettings() {
        runner.run(context -> {
            assertThat(context).hasNotFailed()
                    .hasSingleBean(Idempotency.class)
                    .hasSingleBean(IdempotencyProperties.class);
            Idempotency idempotency = context.getBean(Idempotency.class);
            assertThat(idempotency.store()).isInstanceOf(InMemoryIdempotencyStore.class);
            assertThat(idempotency.config().ttl()).isEqualTo(IdempotencyConfig.DEFAULT_TTL);
            assertThat(idempotency.config().inProgressPolicy()).isEqualTo(IdempotencyConfig.DEFAULT_IN_PROGRESS_POLICY);
        });
    }

    @Test
    void interceptsTheAnnotatedMethodsOfTheApplicationsBeans() {
        runner.run(context -> {
            Invoices invoices = context.getBean(Invoices.class);

            Invoice first = invoices.issue("i-1");

            assertThat(invoices.issue("i-1")).isEqualTo(first);
            assertThat(invoices.runs()).isEqualTo(1);
        });
    }

    @Test
    void bindsThePropertiesWithRelaxedNames() {
        runner.withPropertyValues("idempotency.ttl=10m", "idempotency.lease=30s", "idempotency.in-progress=wait",
                "idempotency.wait-timeout=2500ms", "idempotency.local-cache.enabled=false",
                "idempotency.localCache.maxSize=500").run(context -> {
                    IdempotencyConfig config = context.getBean(Idempotency.class).config();
                    assertThat(config.ttl()).isEqualTo(Duration.ofMinutes(10));
                    assertThat(config.lease()).isEqualTo(Duration.ofSeconds(30));
                    assertThat(config.inProgressPolicy()).isEqualTo(InProgressPolicy.WAIT);
                    assertThat(config.waitTimeout()).isEqualTo(Duration.ofMillis(2500));
                    assertThat(config.localCacheEnabled()).isFalse();
                    assertThat(config.localCacheMaxSize()).isEqualTo(500);
                });
    }

    @Test
    void usesTheApplicationsStoreAndConfigBeans() {
        IdempotencyStore store = InMemoryIdempotencyStore.create();
        IdempotencyConfig config = IdempotencyConfig.builder().ttl(Duration.ofHours(2)).build();
        runner.withPropertyValues("idempotency.store.type=nosuchstore", "idempotency.ttl=10m")
                .withBean(IdempotencyStore.class, () -> store)
                .withBean(IdempotencyConfig.class, () -> config)
                .run(context -> {
                    Idempotency idempotency = context.getBean(Idempotency.class);
                    assertThat(idempotency.store()).isSameAs(store);
                    assertThat(idempotency.config()).isSameAs(config);
                });
    }

    @Test
    void usesTheApplicationsPropertiesBean() {
        IdempotencyProperties own = new IdempotencyProperties();
        own.setTtl(Duration.ofMinutes(3));
        runner.withBean(IdempotencyProperties.class, () -> own).run(context -> {
            assertThat(context).hasSingleBean(IdempotencyProperties.class);
            assertThat(context.getBean(Idempotency.class).config().ttl()).isEqualTo(Duration.ofMinutes(3));
        });
    }

    @Test
    void backsOffWhenTheApplicationEnablesIdempotencyItself() {
        runner.withUserConfiguration(OwnEnable.class).run(context -> {
            assertThat(context).hasNotFailed()
                    .hasSingleBean(Idempotency.class)
                    .hasSingleBean(IdempotencyConfiguration.class)
                    .doesNotHaveBean(IdempotencyAutoConfiguration.EnableIdempotencyConfiguration.class);
            Invoices invoices = context.getBean(Invoices.class);
            invoices.issue("i-1");
            invoices.issue("i-1");
            assertThat(invoices.runs()).isEqualTo(1);
        });
    }

    @Test
    void followsBootsClassProxyingWithItsAopAutoConfiguration() {
        runner.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class)).run(context -> {
            Invoices invoices = context.getBean(Invoices.class);

            invoices.issue("i-1");
            invoices.issue("i-1");

            assertThat(AopUtils.isCglibProxy(invoices)).isTrue();
            assertThat(invoices.runs()).isEqualTo(1);
        });
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
            "idempotency.store.type, foo",
            "idempotency.ttl, forever",
            "idempotency.ttl, -5s",
            "idempotency.lease, 2d",
            "idempotency.wait-timeout, soon",
            "idempotency.in-progress, block",
            "idempotency.in-progress, default",
            "idempotency.local-cache.enabled, maybe",
            "idempotency.local-cache.max-size, lots",
            "idempotency.local-cache.max-size, 0",
            "idempotency.default-key-strategy, byHeader",
    })
    void failsStartupNamingThePropertyAndTheValue(String property, String value) {
        runner.withPropertyValues(property + "=" + value).run(context -> {
            assertThat(context).hasFailed();
            assertThat(messages(context.getStartupFailure())).contains(property).containsAnyOf(value,
                    Duration.ofDays(2).toString(), Duration.ofSeconds(-5).toString());
        });
    }

    /** The messages of Boot's binder that the README's troubleshooting table quotes. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "idempotency.ttl=forever | Failed to bind properties under 'idempotency.ttl' to java.time.Duration"
                    + " | 'forever' is not a valid duration",
    })
    void failsStartupWithTheBindersMessages(String property, String failure, String cause) {
        runner.withPropertyValues(property).run(context -> {
            assertThat(context).hasFailed();
            assertThat(messages(context.getStartupFailure())).contains(failure).contains(cause);
        });
    }

    @Test
    void describesEveryPropertyWithItsDefaultInTheConfigurationMetadata() throws Exception {
        JsonNode metadata;
        try (InputStream json = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            metadata = JsonMapper.builder().build().readTree(json);
        }
        Map<String, String> defaults = new TreeMap<>();
        for (JsonNode property : metadata.get("properties")) {
            assertThat(property.get("description").asString()).as(property.get("name").asString()).isNotBlank();
            JsonNode defaultValue = property.get("defaultValue");
            defaults.put(property.get("name").asString(), defaultValue == null ? null : defaultValue.asString());
        }

        assertThat(defaults).containsOnlyKeys("idempotency.store.type", "idempotency.ttl", "idempotency.lease", "idempotency.in-progress", "idempotency.wait-timeout", "idempotency.settle-timeout",
                "idempotency.local-cache.enabled", "idempotency.local-cache.max-size",
                "idempotency.default-key-strategy", "management.health.idempotency.enabled");
        assertThat(defaults).containsEntry("idempotency.store.type", "memory")
                .containsEntry("management.health.idempotency.enabled", "true")
                .containsEntry("idempotency.ttl", "24h")
                .containsEntry("idempotency.lease", "60s")
                .containsEntry("idempotency.in-progress", "reject")
                .containsEntry("idempotency.wait-timeout", "10s")
                .containsEntry("idempotency.settle-timeout", "5s")
                .containsEntry("idempotency.local-cache.enabled", "true")
                .containsEntry("idempotency.local-cache.max-size", "10000");
    }

    /** Every message of the failure and its causes, as the startup log would show them. */
    private static String messages(Throwable failure) {
        StringBuilder messages = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append('\n');
        }
        return messages.toString();
    }

    @Configuration(proxyBeanMethods = false)
    static class Services {

        @Bean
        Invoices invoices() {
            return new Invoices();
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableIdempotency(order = 5)
    static class OwnEnable {
    }

    record Invoice(String id, int run) {
    }

    static class Invoices {

        private final AtomicInteger runs = new AtomicInteger();

        int runs() {
            return runs.get();
        }

        @Idempotent
        public Invoice issue(String id) {
            return new Invoice(id, runs.incrementAndGet());
        }
    }
}

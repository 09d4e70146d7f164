package dev.idempotency.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.lang.reflect.Type;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

import dev.idempotency.CallOutcome;
import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotencyObserver;
import dev.idempotency.Idempotent;
import dev.idempotency.InProgressPolicy;
import dev.idempotency.serialization.JacksonResultSerializer;
import dev.idempotency.serialization.ResultSerializer;
import dev.idempotency.store.IdempotencyStore;
import dev.idempotency.store.InMemoryIdempotencyStore;
import dev.idempotency.testing.CountingIdempotencyStore;
import dev.idempotency.testing.RecordingListener;
import dev.idempotency.spring.testing.Contexts;

/** What {@link EnableIdempotency} makes of the {@code idempotency.*} properties and of the application's beans. */
class IdempotencyConfigurationTest {

    @Test
    void usesTheMemoryStoreAndTheDefaultSettingsWithoutProperties() {
        try (AnnotationConfigApplicationContext context = Contexts.start(AppConfig.class)) {
            Idempotency idempotency = context.getBean(Idempotency.class);

            assertThat(idempotency.store()).isInstanceOf(InMemoryIdempotencyStore.class);
            IdempotencyConfig config = idempotency.config();
            IdempotencyConfig defaults = IdempotencyConfig.defaults();
            assertThat(config.ttl()).isEqualTo(defaults.ttl());
            assertThat(config.lease()).isEqualTo(defaults.lease());
            assertThat(config.inProgressPolicy()).isEqualTo(defaults.inProgressPolicy());
            assertThat(config.waitTimeout()).isEqualTo(defaults.waitTimeout());
            assertThat(config.localCacheEnabled()).isEqualTo(defaults.localCacheEnabled());
            assertThat(config.localCacheMaxSize()).isEqualTo(defaults.localCacheMaxSize());
        }
    }

    @Test
    void appliesTheSettingsThePropertiesGive() {
        Map<String, Object> properties = Map.of(
                "idempotency.store.type", "memory",
                "idempotency.ttl", "10m",
                "idempotency.lease", "PT30S",
                "idempotency.in-progress", "wait",
                "idempotency.wait-timeout", "2500ms",
                "idempotency.settle-timeout", "3s",
                "idempotency.local-cache.enabled", "false",
                "idempotency.local-cache.max-size", "500");
        try (AnnotationConfigApplicationContext context = Contexts.start(properties, AppConfig.class)) {
            IdempotencyConfig config = context.getBean(Idempotency.class).config();

            assertThat(config.ttl()).isEqualTo(Duration.ofMinutes(10));
            assertThat(config.lease()).isEqualTo(Duration.ofSeconds(30));
            assertThat(config.inProgressPolicy()).isEqualTo(InProgressPolicy.WAIT);
            assertThat(config.waitTimeout()).isEqualTo(Duration.ofMillis(2500));
            assertThat(config.settleTimeout()).isEqualTo(Duration.ofSeconds(3));
            assertThat(config.localCacheEnabled()).isFalse();
            assertThat(config.localCacheMaxSize()).isEqualTo(500);
        }
    }

    @Test
    void usesTheApplicationsStoreBeanWhateverTheStoreTypeSays() {
        try (AnnotationConfigApplicationContext context =
                Contexts.start(Map.of("idempotency.store.type", "nosuchstore"), AppConfig.class, OwnStore.class)) {
            Receipts receipts = context.getBean(Receipts.class);

            receipts.issue("r-1");
            receipts.issue("r-1");

            assertThat(context.getBean(Idempotency.class).store()).isSameAs(context.getBean(IdempotencyStore.class));
            assertThat(context.getBean(CountingIdempotencyStore.class).claims()).isEqualTo(1);
            assertThat(receipts.runs()).isEqualTo(1);
        }
    }

    @Test
    void usesTheApplicationsConfigBeanInsteadOfTheProperties() {
        try (AnnotationConfigApplicationContext context =
                Contexts.start(Map.of("idempotency.ttl", "10m"), AppConfig.class, OwnConfig.class)) {
            assertThat(context.getBean(Idempotency.class).config()).isSameAs(context.getBean(IdempotencyConfig.class));
            assertThat(context.getBean(Idempotency.class).config().ttl()).isEqualTo(Duration.ofHours(2));
        }
    }

    @Test
    void letsAConfigBeanOfTheApplicationStartFromTheProperties() {
        try (AnnotationConfigApplicationContext context =
                Contexts.start(Map.of("idempotency.ttl", "10m"), AppConfig.class, ConfigFromProperties.class)) {
            IdempotencyConfig config = context.getBean(Idempotency.class).config();

            assertThat(config.ttl()).isEqualTo(Duration.ofMinutes(10));
            assertThat(config.clock()).isSameAs(ConfigFromProperties.CLOCK);
        }
    }

    @Test
    void usesTheApplicationsSerializerAndListeners() {
        try (AnnotationConfigApplicationContext context =
                Contexts.start(AppConfig.class, OwnSerializerAndListeners.class)) {
            Receipts receipts = context.getBean(Receipts.class);

            receipts.issue("r-1");
            receipts.issue("r-1");

            assertThat(context.getBean(CountingSerializer.class).serialized()).isEqualTo(1);
            assertThat(context.getBean("first", RecordingListener.class).events())
                    .containsExactly("executed", "replayed LOCAL_CACHE");
            assertThat(context.getBean("second", RecordingListener.class).events())
                    .containsExactly("executed", "replayed LOCAL_CACHE");
        }
    }

    @Test
    void usesTheApplicationsObserver() {
        try (AnnotationConfigApplicationContext context = Contexts.start(AppConfig.class, OneObserver.class)) {
            Receipts receipts = context.getBean(Receipts.class);

            receipts.issue("r-1");
            receipts.issue("r-1");

            assertThat(context.getBean(RecordingObserver.class).seen()).containsExactly(
                    "start", "leave", "end EXECUTED", "start", "leave", "end REPLAYED_FROM_CACHE");
        }
    }

    @Test
    void tellsEveryObserverOfEveryCallClosingInReverseOrder() {
        try (AnnotationConfigApplicationContext context = Contexts.start(AppConfig.class, TwoObservers.class)) {
            context.getBean(Receipts.class).issue("r-1");

            assertThat(TwoObservers.SEEN).containsExactly("first start", "second start", "second leave",
                    "first leave", "second end EXECUTED", "first end EXECUTED");
        }
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("unreadableProperties")
    void failsStartupNamingThePropertyAndTheValue(String property, String value, String shownValue, String expected) {
        assertThatThrownBy(() -> Contexts.start(Map.of(property, value), AppConfig.class))
                .hasRootCauseMessage("Invalid value '" + shownValue + "' for property " + property + ": expected "
                        + expected);
    }

    static Stream<Arguments> unreadableProperties() {
        String duration = "a positive duration such as 500ms, 30s, 10m, 24h, 7d, or ISO-8601 such as PT10M";
        return Stream.of(
                arguments("idempotency.ttl", "forever", "forever", duration),
                arguments("idempotency.ttl", "0s", "0s", duration),
                arguments("idempotency.lease", "10", "10", duration),
                arguments("idempotency.lease", "2d", "PT48H", "at most idempotency.ttl (PT24H), so that a record"
                        + " does not expire while its call still runs"),
                arguments("idempotency.wait-timeout", "soon", "soon", duration),
                arguments("idempotency.settle-timeout", "-1s", "-1s", duration),
                arguments("idempotency.in-progress", "block", "block", "reject or wait"),
                arguments("idempotency.local-cache.enabled", "maybe", "maybe", "true or false"),
                arguments("idempotency.local-cache.max-size", "lots", "lots", "a positive number"),
                arguments("idempotency.local-cache.max-size", "0", "0", "a positive number"),
                arguments("idempotency.default-key-strategy", "byHeader", "byHeader",
                        "the name of a KeyStrategy bean, one of []"));
    }

    @Configuration
    @EnableIdempotency
    static class AppConfig {

        @Bean
        Receipts receipts() {
            return new Receipts();
        }
    }

    @Configuration
    static class OwnStore {

        @Bean
        CountingIdempotencyStore store() {
            return new CountingIdempotencyStore(InMemoryIdempotencyStore.create());
        }
    }

    @Configuration
    static class OwnConfig {

        @Bean
        IdempotencyConfig idempotencyConfig() {
            return IdempotencyConfig.builder().ttl(Duration.ofHours(2)).build();
        }
    }

    @Configuration
    static class ConfigFromProperties {

        static final Clock CLOCK = Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC);

        @Bean
        IdempotencyConfig idempotencyConfig(Environment environment) {
            return IdempotencyProperties.from(environment).toConfig().toBuilder().clock(CLOCK).build();
        }
    }

    @Configuration
    static class OwnSerializerAndListeners {

        @Bean
        CountingSerializer serializer() {
            return new CountingSerializer();
        }

        @Bean
        RecordingListener first() {
            return new RecordingListener();
        }

        @Bean
        RecordingListener second() {
            return new RecordingListener();
        }
    }

    @Configuration
    static class OneObserver {

        @Bean
        RecordingObserver observer() {
            return new RecordingObserver("", new CopyOnWriteArrayList<>());
        }
    }

    @Configuration
    static class TwoObservers {

        static final List<String> SEEN = new CopyOnWriteArrayList<>();

        @Bean
        @org.springframework.core.annotation.Order(1)
        RecordingObserver first() {
            return new RecordingObserver("first ", SEEN);
        }

        @Bean
        @org.springframework.core.annotation.Order(2)
        RecordingObserver second() {
            return new RecordingObserver("second ", SEEN);
        }
    }

    /** An observer that writes down what it is told, each line starting with its prefix. */
    record RecordingObserver(String prefix, List<String> seen) implements IdempotencyObserver {

        @Override
        public ObservedCall start(String namespace) {
            seen.add(prefix + "start");
            return new ObservedCall() {
                @Override
                public void leave() {
                    seen.add(prefix + "leave");
                }

                @Override
                public void end(CallOutcome outcome, Throwable failure) {
                    seen.add(prefix + "end " + outcome);
                }
            };
        }
    }

    /** A serializer that counts what it writes. */
    static class CountingSerializer implements ResultSerializer {

        private final ResultSerializer delegate = JacksonResultSerializer.create();
        private final AtomicInteger serialized = new AtomicInteger();

        @Override
        public byte[] serialize(Object value, Type type) {
            serialized.incrementAndGet();
            return delegate.serialize(value, type);
        }

        @Override
        public Object deserialize(byte[] bytes, Type type) {
            return delegate.deserialize(bytes, type);
        }

        int serialized() {
            return serialized.get();
        }
    }

    static class Receipts {

        private final AtomicInteger runs = new AtomicInteger();

        int runs() {
            return runs.get();
        }

        @Idempotent
        public Receipt issue(String orderId) {
            return new Receipt(orderId, 0, runs.incrementAndGet());
        }
    }
}

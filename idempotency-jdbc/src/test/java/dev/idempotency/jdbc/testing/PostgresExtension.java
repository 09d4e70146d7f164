package dev.idempotency.jdbc.testing;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Runs tests against a real PostgreSQL: one {@link PostgresServer} per test JVM, started on a free port of 127.0.0.1
 * at first use and stopped when the test run ends (or when the JVM dies). Injects it into test methods,
 * constructors and {@code @BeforeAll} methods.
 *
 * <pre>{@code
 * @ExtendWith(PostgresExtension.class)
 * class MyIntegrationTest {
 *     @BeforeAll
 *     static void createTable(PostgresServer postgres) { ... }
 * }
 * }</pre>
 */
public final class PostgresExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(PostgresServer.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        server(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == PostgresServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return server(context);
    }

    /** The shared server, in the root context's store, which closes it (AutoCloseable) when the run ends. */
    public static PostgresServer server(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).computeIfAbsent(PostgresServer.class, type -> {
            try {
                return PostgresServer.start();
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                throw new ExtensionConfigurationException("Could not start PostgreSQL for the tests", e);
            }
        }, PostgresServer.class);
    }
}

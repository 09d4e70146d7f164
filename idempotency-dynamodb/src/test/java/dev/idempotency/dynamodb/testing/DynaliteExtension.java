package dev.idempotency.dynamodb.testing;

import java.net.URI;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Runs tests against a live DynamoDB-compatible server: one dynalite per test JVM, started on a free port of
 * 127.0.0.1 at first use and stopped when the test run ends (or when the JVM dies). Injects {@link TestDynamoDb} and
 * its shared {@link DynamoDbClient} into test methods, constructors and {@code @BeforeAll} methods.
 *
 * <pre>{@code
 * @ExtendWith(DynaliteExtension.class)
 * class MyIntegrationTest {
 *     @BeforeAll
 *     static void createTable(TestDynamoDb dynamoDb) { table = dynamoDb.createTable(); }
 * }
 * }</pre>
 *
 * <p>dynalite is looked for in the directory named by the system property {@value #HOME_PROPERTY} (default
 * {@code target/dynalite}), where the build installs it with {@code npm ci} together with {@code launcher.js}; a
 * module that reuses this extension from the test jar installs it the same way.
 *
 * <p>To run the same tests against another endpoint (real DynamoDB, another emulator), set the system property
 * {@value #ENDPOINT_PROPERTY} or the environment variable {@value #ENDPOINT_ENVIRONMENT_VARIABLE} to its URL, such
 * as {@code https://dynamodb.eu-west-1.amazonaws.com}. Then no dynalite starts, the SDK's default region and
 * credentials apply, and the tables the tests create are deleted at the end.
 */
public final class DynaliteExtension implements BeforeAllCallback, ParameterResolver {

    /** The system property that points the tests at another endpoint. */
    public static final String ENDPOINT_PROPERTY = "idempotency.dynamodb.endpoint";
    /** The environment variable that points the tests at another endpoint, when the property is not set. */
    public static final String ENDPOINT_ENVIRONMENT_VARIABLE = "IDEMPOTENCY_DYNAMODB_ENDPOINT";
    /** The system property naming where dynalite and its launcher are installed. */
    public static final String HOME_PROPERTY = "dynalite.home";

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(TestDynamoDb.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        testDynamoDb(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == TestDynamoDb.class || type == DynamoDbClient.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        TestDynamoDb dynamoDb = testDynamoDb(context);
        return parameter.getParameter().getType() == TestDynamoDb.class ? dynamoDb : dynamoDb.client();
    }

    /** The root context's store keeps one endpoint for the whole run and closes it (AutoCloseable) at the end. */
    private static TestDynamoDb testDynamoDb(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .computeIfAbsent(TestDynamoDb.class, type -> open(), TestDynamoDb.class);
    }

    private static TestDynamoDb open() {
        String endpoint = System.getProperty(ENDPOINT_PROPERTY, System.getenv(ENDPOINT_ENVIRONMENT_VARIABLE));
        if (endpoint != null && !endpoint.isBlank()) {
            return new TestDynamoDb(URI.create(endpoint.trim()), null);
        }
        try {
            DynaliteProcess dynalite = DynaliteProcess.start(DynaliteProcess.installedHome());
            return new TestDynamoDb(dynalite.endpoint(), dynalite);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new ExtensionConfigurationException("Could not start dynalite: " + e.getMessage(), e);
        }
    }
}

package dev.idempotency.dynamodb.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.dynamodb.testing.RefusingEndpoint;
import dev.idempotency.spring.EnableIdempotency;
import dev.idempotency.spring.testing.Contexts;

/**
 * {@code idempotency.store.type=dynamodb} with {@code create-table=true} and an endpoint that cannot answer: the
 * application fails to start, within a bounded time, with a message naming the table and the endpoint. The client
 * made from the properties bounds each request (2 s an attempt, 5 s a call), so even an endpoint that accepts
 * connections and never answers cannot hold the startup for long.
 */
class DynamoDbUnreachableAtStartupIntegrationTest {

    /** The SDK signs every request, so the client made from the properties needs credentials to get that far. */
    private static final Map<String, String> DUMMY_CREDENTIALS =
            Map.of("aws.accessKeyId", "dummy", "aws.secretAccessKey", "dummy");
    private static final String TABLE = "orders-idempotency";
    /** Generous: either endpoint fails by the 5 s call timeout at the latest. */
    private static final Duration BOUND = Duration.ofSeconds(15);

    @BeforeAll
    static void useDummyCredentials() {
        DUMMY_CREDENTIALS.forEach(System::setProperty);
    }

    @AfterAll
    static void forgetDummyCredentials() {
        DUMMY_CREDENTIALS.keySet().forEach(System::clearProperty);
    }

    /**
     * The SDK retries a refused connection (for DynamoDB up to 8 times, with jittered exponential backoff), so the
     * call ends with the last refusal or, when the backoff happens to add up past it, at the 5 s call timeout. Either
     * way the message names the table and the endpoint and says what to check.
     */
    @Test
    void failsStartupNamingTheTableAndTheEndpointWhenNothingListens() throws IOException {
        IdempotencyStoreException failure;
        String endpoint;
        try (RefusingEndpoint refusing = RefusingEndpoint.open()) {
            endpoint = refusing.uri().toString();
            failure = startupFailure(endpoint);
        }

        String prefix = "Failed to create the table: could not send CreateTable to DynamoDB table '" + TABLE
                + "' at endpoint " + endpoint + " (";
        assertThat(failure.getMessage()).satisfiesAnyOf(
                message -> assertThat(message).startsWith(prefix + "Unable to execute HTTP request: Connect to "
                        + endpoint + " failed: Connection refused"),
                message -> assertThat(message).startsWith(prefix + "Client execution did not complete before the"
                        + " specified timeout configuration: " + DynamoDbStoreProvider.API_CALL_TIMEOUT.toMillis()
                        + " millis)"));
        assertThat(failure).hasMessageEndingWith("Check the endpoint or region, the network, and the credentials"
                + " provider of the DynamoDbClient.");
    }

    @Test
    void failsStartupWithinTheClientsTimeoutWhenTheEndpointNeverAnswers() throws IOException {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String endpoint = "http://127.0.0.1:" + silent.getLocalPort();

            IdempotencyStoreException failure = startupFailure(endpoint);

            assertThat(failure).hasMessage("Failed to create the table: could not send CreateTable to DynamoDB table '"
                    + TABLE + "' at endpoint " + endpoint + " (Client execution did not complete before the specified"
                    + " timeout configuration: " + DynamoDbStoreProvider.API_CALL_TIMEOUT.toMillis() + " millis). Check the"
                    + " endpoint or region, the network, and the credentials provider of the DynamoDbClient.");
        }
    }

    /** Starts the application, and returns the store's failure that stopped it, once it stopped within the bound. */
    private static IdempotencyStoreException startupFailure(String endpoint) {
        Map<String, Object> properties = Map.of(
                "idempotency.store.type", "dynamodb",
                "idempotency.dynamodb.table-name", TABLE,
                "idempotency.dynamodb.endpoint", endpoint,
                "idempotency.dynamodb.region", "us-east-1",
                "idempotency.dynamodb.create-table", "true");
        long start = System.nanoTime();

        Throwable failure = catchThrowable(() -> Contexts.start(properties, AppConfig.class));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(BOUND);
        assertThat(failure).isInstanceOf(BeanCreationException.class)
                .hasMessageContaining("Error creating bean with name 'idempotency'");
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof IdempotencyStoreException store) {
                return store;
            }
        }
        throw new AssertionError("no IdempotencyStoreException in the chain", failure);
    }

    @Configuration
    @EnableIdempotency
    static class AppConfig {
    }
}

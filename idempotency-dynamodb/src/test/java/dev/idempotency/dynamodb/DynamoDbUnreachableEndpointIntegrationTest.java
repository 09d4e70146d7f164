package dev.idempotency.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.dynamodb.testing.RefusingEndpoint;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * A DynamoDB endpoint that cannot answer at call time: with the SDK's attempt timeout set short and its retries off,
 * a call fails closed with {@link IdempotencyStoreException} within a bounded time, and the body does not run. The
 * engine tries a claim twice, so a silent endpoint holds a call for about twice the attempt timeout.
 */
class DynamoDbUnreachableEndpointIntegrationTest {

    private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    /** A silent endpoint takes about 2 s (2 claims of 1 s; 2.5 s measured under CPU load): generous, but bounded. */
    private static final Duration BOUND = Duration.ofSeconds(8);
    private static final String TABLE = "idempotency";

    private final AtomicInteger runs = new AtomicInteger();

    @Test
    void failsClosedAtOnceWhenNothingListensAtTheEndpoint() throws IOException {
        try (RefusingEndpoint endpoint = RefusingEndpoint.open()) {
            assertFailsClosedWithinTheBound(endpoint.uri(), "Connection refused");
        }
    }

    @Test
    void failsClosedWithinTheSdkTimeoutsWhenTheEndpointAcceptsButNeverAnswers() throws IOException {
        // The kernel completes connections to a listening socket even if nobody accepts them, so requests go out and
        // no response ever comes back.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            URI endpoint = URI.create("http://127.0.0.1:" + silent.getLocalPort());

            assertFailsClosedWithinTheBound(endpoint, "did not complete before the specified timeout configuration: "
                    + ATTEMPT_TIMEOUT.toMillis() + " millis");
        }
    }

    private void assertFailsClosedWithinTheBound(URI endpoint, String cause) {
        try (DynamoDbClient client = client(endpoint)) {
            IdempotentOperation<String> operation = Idempotency.builder()
                    .store(DynamoDbIdempotencyStore.builder().client(client).tableName(TABLE).build())
                    .build()
                    .operation("orders.place", String.class)
                    .build();
            long start = System.nanoTime();

            assertThatThrownBy(() -> operation.execute("order-1", "payload", () -> "run " + runs.incrementAndGet()))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageContaining("Failed to claim a record: could not send PutItem to DynamoDB table '"
                            + TABLE + "' at endpoint " + endpoint)
                    .hasMessageContaining(cause)
                    .hasMessageEndingWith("Check the endpoint or region, the network, and the credentials provider"
                            + " of the DynamoDbClient.");

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(BOUND);
            assertThat(runs).hasValue(0);
        }
    }

    private static DynamoDbClient client(URI endpoint) {
        return DynamoDbClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("dummy", "dummy")))
                .httpClientBuilder(Apache5HttpClient.builder())
                .overrideConfiguration(o -> o.apiCallAttemptTimeout(ATTEMPT_TIMEOUT)
                        .apiCallTimeout(CALL_TIMEOUT)
                        .retryStrategy(r -> r.maxAttempts(1)))
                .build();
    }
}

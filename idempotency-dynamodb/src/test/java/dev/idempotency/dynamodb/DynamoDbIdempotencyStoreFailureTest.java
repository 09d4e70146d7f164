package dev.idempotency.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.dynamodb.testing.RefusingEndpoint;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.RecordStatus;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Infrastructure failures become {@link IdempotencyStoreException}s that name the table and what to check. Faults a
 * live server cannot produce on demand come from {@link CannedHttpClient}; the unreachable endpoint is a real closed
 * port.
 */
class DynamoDbIdempotencyStoreFailureTest {

    private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
    private static final IdempotencyRecord CLAIM =
            IdempotencyRecord.inProgress("orders#abc", "fp", "token", NOW.plusSeconds(60), NOW.plusSeconds(10));

    @ParameterizedTest
    @ValueSource(strings = {"ProvisionedThroughputExceededException", "RequestLimitExceeded", "ThrottlingException"})
    void reportsThrottlingAfterTheSdkRetriesFromACannedThrottlingResponse(String errorCode) {
        CannedHttpClient http = CannedHttpClient.error(400, errorCode, "Rate exceeded");
        try (DynamoDbClient client = http.dynamoDbClient()) {
            DynamoDbIdempotencyStore store = store(client);

            assertThatThrownBy(() -> store.claim(CLAIM, NOW))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessage("Failed to claim a record: DynamoDB table 'orders-idempotency' at endpoint"
                            + " http://127.0.0.1:8000 throttled PutItem (" + errorCode + ") after the SDK's retries."
                            + " Check the table's capacity (on-demand billing, or more provisioned capacity), the"
                            + " account's request limits and the client's retry settings.");
            assertThat(http.requests()).isEqualTo(CannedHttpClient.MAX_ATTEMPTS);
        }
    }

    @Test
    void reportsRejectedCredentialsFromACannedUnrecognizedClientResponse() {
        CannedHttpClient http = CannedHttpClient.error(400, "UnrecognizedClientException",
                "The security token included in the request is invalid.");
        try (DynamoDbClient client = http.dynamoDbClient()) {
            DynamoDbIdempotencyStore store = store(client);

            assertThatThrownBy(() -> store.find("orders#abc"))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessage("Failed to read a record: DynamoDB table 'orders-idempotency' at endpoint"
                            + " http://127.0.0.1:8000 refused GetItem (UnrecognizedClientException). Check the"
                            + " credentials of the DynamoDbClient, and that its IAM policy allows dynamodb:GetItem on"
                            + " the table.");
        }
    }

    @Test
    void namesTheIamActionACannedAccessDeniedResponseRefused() {
        CannedHttpClient http = CannedHttpClient.error(400, "AccessDeniedException", "not authorized");
        try (DynamoDbClient client = http.dynamoDbClient()) {
            DynamoDbIdempotencyStore store = store(client);

            assertThatThrownBy(() -> store.complete(CLAIM.finish(RecordStatus.COMPLETED, null, NOW.plusSeconds(60))))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageContaining("refused UpdateItem (AccessDeniedException)")
                    .hasMessageContaining("allows dynamodb:UpdateItem");
            assertThatThrownBy(() -> store.release("orders#abc", "token"))
                    .hasMessageContaining("allows dynamodb:DeleteItem");
        }
    }

    @Test
    void reportsAnUnreachableEndpointNamingTheTableAndWhereItLooked() throws IOException {
        try (RefusingEndpoint endpoint = RefusingEndpoint.open();
                DynamoDbClient client = unreachable(endpoint)) {
            DynamoDbIdempotencyStore store = store(client);

            assertThatThrownBy(() -> store.claim(CLAIM, NOW))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageStartingWith("Failed to claim a record: could not send PutItem to DynamoDB table"
                            + " 'orders-idempotency' at endpoint " + endpoint.uri() + " (")
                    .hasMessageEndingWith("Check the endpoint or region, the network, and the credentials provider"
                            + " of the DynamoDbClient.");
        }
    }

    @Test
    void failsClosedWithoutRunningTheBodyWhenTheEndpointIsUnreachable() throws IOException {
        try (RefusingEndpoint endpoint = RefusingEndpoint.open();
                DynamoDbClient client = unreachable(endpoint)) {
            IdempotentOperation<String> operation = Idempotency.builder()
                    .store(store(client))
                    .config(IdempotencyConfig.builder().localCacheEnabled(false).build())
                    .build()
                    .operation("orders.create", String.class).build();
            AtomicInteger runs = new AtomicInteger();

            assertThatThrownBy(() -> operation.execute("key-1", "payload", () -> "ran " + runs.incrementAndGet()))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageContaining("orders-idempotency");
            assertThat(runs).hasValue(0);
        }
    }

    private static DynamoDbIdempotencyStore store(DynamoDbClient client) {
        return DynamoDbIdempotencyStore.builder().client(client).tableName("orders-idempotency").build();
    }

    /** A client for an endpoint that refuses connections, failing fast: no retries, short timeouts. */
    private static DynamoDbClient unreachable(RefusingEndpoint endpoint) {
        return DynamoDbClient.builder()
                .endpointOverride(endpoint.uri())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("dummy", "dummy")))
                .httpClientBuilder(Apache5HttpClient.builder().connectionTimeout(Duration.ofSeconds(1)))
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())
                        .apiCallTimeout(Duration.ofSeconds(5)))
                .build();
    }
}

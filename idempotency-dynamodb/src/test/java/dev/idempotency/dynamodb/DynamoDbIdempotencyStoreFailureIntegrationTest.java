package dev.idempotency.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotencyReplayException;
import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.dynamodb.testing.DynaliteExtension;
import dev.idempotency.dynamodb.testing.TestDynamoDb;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.RecordStatus;

import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** Failures a live server produces: a missing table, a table of another shape, a result above the item limit. */
@ExtendWith(DynaliteExtension.class)
class DynamoDbIdempotencyStoreFailureIntegrationTest {

    private static TestDynamoDb dynamoDb;
    private static String table;

    private final AtomicInteger runs = new AtomicInteger();

    @BeforeAll
    static void createTable(TestDynamoDb testDynamoDb) {
        dynamoDb = testDynamoDb;
        table = dynamoDb.createTable();
    }

    @Test
    void reportsAMissingTableNamingItAndHowToCreateIt() {
        String missing = dynamoDb.newTableName();
        DynamoDbIdempotencyStore store = store(missing);
        IdempotencyRecord claim = claim();
        String expected = "DynamoDB table '" + missing + "' at endpoint " + dynamoDb.endpoint() + " was not found (or"
                + " is not ACTIVE yet). Create it with DynamoDbIdempotencyTable.create(store), or check the"
                + " idempotency table name and the client's region and endpoint.";

        assertThatThrownBy(() -> store.claim(claim, Instant.now()))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessage("Failed to claim a record: " + expected);
        assertThatThrownBy(() -> store.complete(claim.finish(RecordStatus.COMPLETED, null, claim.expiresAt())))
                .hasMessage("Failed to complete a record: " + expected);
        assertThatThrownBy(() -> store.release(claim.id(), claim.claimToken()))
                .hasMessage("Failed to release a record: " + expected);
        assertThatThrownBy(() -> store.find(claim.id()))
                .hasMessage("Failed to read a record: " + expected);
    }

    /** The default provider chain, finding nothing, throws just this; a local emulator user meets it first. */
    @Test
    void saysHowToGiveCredentialsWhenTheClientHasNone() {
        DynamoDbClient noCredentials = dynamoDb.clientBuilder().credentialsProvider(() -> {
            throw SdkClientException.create("Unable to load credentials from any of the providers in the chain"
                    + " AwsCredentialsProviderChain(credentialsProviders=[SystemPropertyCredentialsProvider()])");
        }).build();
        DynamoDbIdempotencyStore store = DynamoDbIdempotencyStore.builder().client(noCredentials).tableName(table)
                .build();

        assertThatThrownBy(() -> operation(store).execute("k-1", this::body))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageContaining("Failed to claim a record: found no AWS credentials to sign PutItem to DynamoDB table '"
                        + table + "' at endpoint " + dynamoDb.endpoint() + " (Unable to load credentials from any of"
                        + " the providers in the chain")
                .hasMessageEndingWith("Give the DynamoDbClient a credentials provider, or set credentials the AWS SDK's"
                        + " way (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, an instance role); a local"
                        + " emulator takes any, such as -Daws.accessKeyId=dummy -Daws.secretAccessKey=dummy.");
        assertThat(runs).hasValue(0);
        noCredentials.close();
    }

    @Test
    void failsClosedWithoutRunningTheBodyWhenTheTableIsMissing() {
        String missing = dynamoDb.newTableName();

        assertThatThrownBy(() -> operation(store(missing)).execute("key", "payload", this::body))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageContaining("table '" + missing + "'");
        assertThat(runs).hasValue(0);
    }

    @Test
    void namesTheKeySchemaItNeedsWhenTheTableHasAnother() {
        DynamoDbIdempotencyStore singleTable = dynamoDb.createTable(DynamoDbIdempotencyStore.builder()
                .client(dynamoDb.client()).tableName(dynamoDb.newTableName()).singleTable("pk", "idem", "sk").build());

        assertThatThrownBy(() -> store(singleTable.tableName()).claim(claim(), Instant.now()))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageContaining("table '" + singleTable.tableName() + "'")
                .hasMessageEndingWith("Check that the table's key schema is the store's: id (S, HASH).");
    }

    @Test
    void givesTheFirstCallerAResultAboveTheItemLimitAndLaterCallersAReplayError() {
        DynamoDbIdempotencyStore store = store(table);
        IdempotentOperation<String> operation = operation(store);
        String tooLarge = "x".repeat(store.maxResultBytes());

        assertThat(operation.execute("key", "payload", () -> body() + tooLarge)).endsWith(tooLarge);

        assertThatThrownBy(() -> operation.execute("key", "payload", this::body))
                .isInstanceOf(IdempotencyReplayException.class)
                .hasMessageContaining("its result was not kept");
        assertThat(runs).hasValue(1);
    }

    @Test
    void replaysAResultOfExactlyTheStoresLimit() {
        DynamoDbIdempotencyStore store = store(table);
        Idempotency idempotency = idempotency(store);
        // Kept as a JSON string: the two quotes make it exactly maxResultBytes.
        String largest = "x".repeat(store.maxResultBytes() - 2);
        idempotency.verifyReplayable(largest, String.class);
        assertThatThrownBy(() -> idempotency.verifyReplayable(largest + "x", String.class))
                .isInstanceOf(IllegalArgumentException.class);
        IdempotentOperation<String> operation = idempotency.operation("limit." + UUID.randomUUID(), String.class)
                .build();

        operation.execute("key", "payload", () -> largest);

        assertThat(operation.execute("key", "payload", this::body)).isEqualTo(largest);
        assertThat(runs).hasValue(0);
    }

    private String body() {
        return "result " + runs.incrementAndGet();
    }

    private static DynamoDbIdempotencyStore store(String tableName) {
        return DynamoDbIdempotencyStore.builder().client(dynamoDb.client()).tableName(tableName).build();
    }

    private static Idempotency idempotency(DynamoDbIdempotencyStore store) {
        return Idempotency.builder()
                .store(store)
                .config(IdempotencyConfig.builder().localCacheEnabled(false).build())
                .build();
    }

    private static IdempotentOperation<String> operation(DynamoDbIdempotencyStore store) {
        return idempotency(store).operation("orders.create." + UUID.randomUUID(), String.class).build();
    }

    private static IdempotencyRecord claim() {
        Instant now = Instant.now();
        return IdempotencyRecord.inProgress("failures#" + UUID.randomUUID(), "fp", "token", now.plusSeconds(600),
                now.plusSeconds(60));
    }
}

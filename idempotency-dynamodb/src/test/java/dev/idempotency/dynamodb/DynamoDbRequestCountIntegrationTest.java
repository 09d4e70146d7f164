package dev.idempotency.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.dynamodb.testing.DynaliteExtension;
import dev.idempotency.dynamodb.testing.RequestCounter;
import dev.idempotency.dynamodb.testing.TestDynamoDb;
import dev.idempotency.store.ClaimResult;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.RecordStatus;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/**
 * The round trips of SEMANTICS.md, counted exactly as HTTP requests by operation. dynalite ignores
 * {@code ReturnValuesOnConditionCheckFailure}, so a duplicate costs it two requests; the tests that say "simulated"
 * add {@link ReturnsOldItemOnConditionFailure} to show the one-request path DynamoDB takes. Pointed at another
 * endpoint, the duplicate tests expect what that endpoint does, found by a probe.
 */
@ExtendWith(DynaliteExtension.class)
class DynamoDbRequestCountIntegrationTest {

    private static TestDynamoDb dynamoDb;
    private static String table;
    private static Map<String, Integer> duplicateClaimRequests;

    private final RequestCounter requests = new RequestCounter();
    private final AtomicInteger runs = new AtomicInteger();
    private DynamoDbClient counted;
    private DynamoDbClient returnsOldItem;

    @BeforeAll
    static void createTableAndProbeTheServer(TestDynamoDb testDynamoDb) {
        dynamoDb = testDynamoDb;
        table = dynamoDb.createTable();
        boolean honoursAllOld = returnsOldItemOnConditionFailure();
        if (dynamoDb.isDynalite()) {
            assertThat(honoursAllOld).as("dynalite returns the old item on a failed condition").isFalse();
        }
        duplicateClaimRequests = honoursAllOld ? Map.of("PutItem", 1) : Map.of("PutItem", 1, "GetItem", 1);
    }

    /** Whether the endpoint honours ReturnValuesOnConditionCheckFailure=ALL_OLD, as DynamoDB does. */
    private static boolean returnsOldItemOnConditionFailure() {
        Map<String, AttributeValue> probe = Map.of("id", AttributeValue.fromS("probe#" + UUID.randomUUID()));
        dynamoDb.client().putItem(b -> b.tableName(table).item(probe));
        try {
            dynamoDb.client().putItem(b -> b.tableName(table).item(probe)
                    .conditionExpression("attribute_not_exists(id)")
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
            throw new AssertionError("the probe's conditional write should have failed");
        } catch (ConditionalCheckFailedException e) {
            return e.hasItem() && !e.item().isEmpty();
        }
    }

    @BeforeEach
    void buildClients() {
        counted = dynamoDb.clientBuilder()
                .overrideConfiguration(o -> o.addExecutionInterceptor(requests))
                .build();
        returnsOldItem = dynamoDb.clientBuilder()
                .overrideConfiguration(o -> o.addExecutionInterceptor(requests)
                        .addExecutionInterceptor(new ReturnsOldItemOnConditionFailure(dynamoDb.client(), Set.of("id"))))
                .build();
    }

    @AfterEach
    void closeClients() {
        counted.close();
        returnsOldItem.close();
    }

    // --- the store ---

    @Test
    void claimsANewKeyWithOnePutItem() {
        store(counted).claim(claim(newId()), Instant.ofEpochSecond(Instant.now().getEpochSecond()));

        assertThat(requests.counts()).isEqualTo(Map.of("PutItem", 1));
    }

    @Test
    void completesWithOneUpdateItem() {
        IdempotencyRecord claim = claim(newId());
        store(counted).claim(claim, Instant.ofEpochSecond(Instant.now().getEpochSecond()));
        requests.reset();

        store(counted).complete(claim.finish(RecordStatus.COMPLETED, new byte[] {1}, claim.expiresAt()));

        assertThat(requests.counts()).isEqualTo(Map.of("UpdateItem", 1));
    }

    @Test
    void releasesWithOneDeleteItem() {
        IdempotencyRecord claim = claim(newId());
        store(counted).claim(claim, Instant.ofEpochSecond(Instant.now().getEpochSecond()));
        requests.reset();

        store(counted).release(claim.id(), claim.claimToken());

        assertThat(requests.counts()).isEqualTo(Map.of("DeleteItem", 1));
    }

    @Test
    void findsWithOneGetItem() {
        store(counted).find(newId());

        assertThat(requests.counts()).isEqualTo(Map.of("GetItem", 1));
    }

    @Test
    void refusesAConflictingClaimWithAPutItemAndAGetItemWhereTheServerIgnoresAllOld() {
        String id = newId();
        IdempotencyRecord first = claim(id);
        store(counted).claim(first, Instant.ofEpochSecond(Instant.now().getEpochSecond()));
        requests.reset();

        ClaimResult second = store(counted).claim(claim(id), Instant.ofEpochSecond(Instant.now().getEpochSecond()));

        assertThat(second.existing()).isEqualTo(first);
        assertThat(requests.counts()).isEqualTo(duplicateClaimRequests);
    }

    @Test
    void refusesAConflictingClaimWithOnePutItemOnAServerThatReturnsAllOldSimulatedByAnInterceptor() {
        String id = newId();
        IdempotencyRecord first = claim(id);
        store(returnsOldItem).claim(first, Instant.ofEpochSecond(Instant.now().getEpochSecond()));
        requests.reset();

        ClaimResult second =
                store(returnsOldItem).claim(claim(id), Instant.ofEpochSecond(Instant.now().getEpochSecond()));

        assertThat(second.existing()).isEqualTo(first);
        assertThat(requests.counts()).isEqualTo(Map.of("PutItem", 1));
    }

    // --- calls through the engine ---

    @Test
    void runsAFirstCallWithAPutItemAndAnUpdateItem() {
        assertThat(operation(counted, false).execute("key", "payload", this::body)).isEqualTo("result 1");

        assertThat(requests.counts()).isEqualTo(Map.of("PutItem", 1, "UpdateItem", 1));
    }

    @Test
    void releasesACallWhoseBodyThrowsWithAPutItemAndADeleteItem() {
        IllegalStateException failure = new IllegalStateException("declined");

        assertThatThrownBy(() -> operation(counted, false).execute("key", "payload", () -> {
            throw failure;
        })).isSameAs(failure);

        assertThat(requests.counts()).isEqualTo(Map.of("PutItem", 1, "DeleteItem", 1));
    }

    @Test
    void replaysADuplicateNotInTheLocalCacheWithAPutItemAndAGetItemWhereTheServerIgnoresAllOld() {
        IdempotentOperation<String> operation = operation(counted, false);
        operation.execute("key", "payload", this::body);
        requests.reset();

        assertThat(operation.execute("key", "payload", this::body)).isEqualTo("result 1");

        assertThat(runs).hasValue(1);
        assertThat(requests.counts()).isEqualTo(duplicateClaimRequests);
    }

    @Test
    void replaysADuplicateNotInTheLocalCacheWithOnePutItemOnAServerThatReturnsAllOldSimulatedByAnInterceptor() {
        IdempotentOperation<String> operation = operation(returnsOldItem, false);
        operation.execute("key", "payload", this::body);
        requests.reset();

        assertThat(operation.execute("key", "payload", this::body)).isEqualTo("result 1");

        assertThat(runs).hasValue(1);
        assertThat(requests.counts()).isEqualTo(Map.of("PutItem", 1));
    }

    @Test
    void replaysADuplicateInTheLocalCacheWithoutARequest() {
        IdempotentOperation<String> operation = operation(counted, true);
        operation.execute("key", "payload", this::body);
        requests.reset();

        assertThat(operation.execute("key", "payload", this::body)).isEqualTo("result 1");

        assertThat(runs).hasValue(1);
        assertThat(requests.counts()).isEmpty();
    }

    private String body() {
        return "result " + runs.incrementAndGet();
    }

    private static DynamoDbIdempotencyStore store(DynamoDbClient client) {
        return DynamoDbIdempotencyStore.builder().client(client).tableName(table).build();
    }

    /** An operation in a namespace of its own, so every test's "key" is a new record. */
    private static IdempotentOperation<String> operation(DynamoDbClient client, boolean localCache) {
        return Idempotency.builder()
                .store(store(client))
                .config(IdempotencyConfig.builder().localCacheEnabled(localCache).build())
                .build()
                .operation("orders.create." + UUID.randomUUID(), String.class)
                .build();
    }

    private static String newId() {
        return "counts#" + UUID.randomUUID();
    }

    private static IdempotencyRecord claim(String id) {
        Instant now = Instant.ofEpochSecond(Instant.now().getEpochSecond());
        return IdempotencyRecord.inProgress(id, "fp", UUID.randomUUID().toString(), now.plusSeconds(600),
                now.plusSeconds(60));
    }
}

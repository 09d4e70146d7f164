package dev.idempotency.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotencyKeyException;
import dev.idempotency.IdempotencyPayloadMismatchException;
import dev.idempotency.IdempotencyReplayException;
import dev.idempotency.Idempotent;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.dynamodb.testing.DynaliteExtension;
import dev.idempotency.dynamodb.testing.RequestCounter;
import dev.idempotency.dynamodb.testing.TestDynamoDb;
import dev.idempotency.testing.Hashes;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Bad input through the programmatic API on the DynamoDB store: each gets a typed error, and what is already stored
 * stays exactly as it was (every test first completes a call, and compares the whole table before and after). A
 * missing table, and a table of another key schema, are in {@link DynamoDbIdempotencyStoreFailureIntegrationTest}.
 */
@ExtendWith(DynaliteExtension.class)
class DynamoDbBadInputIntegrationTest {

    private static TestDynamoDb dynamoDb;
    private static String table;

    private final RequestCounter requests = new RequestCounter();
    private final AtomicInteger runs = new AtomicInteger();
    private DynamoDbClient client;
    private DynamoDbIdempotencyStore store;
    private Idempotency idempotency;
    private IdempotentOperation<String> operation;
    private List<Map<String, AttributeValue>> before;

    @BeforeAll
    static void createTable(TestDynamoDb testDynamoDb) {
        dynamoDb = testDynamoDb;
        table = dynamoDb.createTable();
    }

    @BeforeEach
    void completeACallAndSnapshotTheTable() {
        client = dynamoDb.clientBuilder().overrideConfiguration(o -> o.addExecutionInterceptor(requests)).build();
        store = DynamoDbIdempotencyStore.builder().client(client).tableName(table).build();
        idempotency = Idempotency.builder()
                .store(store)
                .config(IdempotencyConfig.builder().localCacheEnabled(false).build())
                .keyStrategy("failing", invocation -> {
                    throw new IllegalStateException("no order id in the request");
                })
                .keyStrategy("missing", invocation -> null)
                .build();
        operation = idempotency.operation("orders.place." + UUID.randomUUID(), String.class).build();
        operation.execute("order-1", "10 EUR", this::body);
        before = scan();
        requests.reset();
    }

    @AfterEach
    void closeClient() {
        client.close();
    }

    @Test
    void refusesANullKeyWithoutARequestToTheStore() {
        assertThatThrownBy(() -> operation.execute(null, "10 EUR", this::body))
                .isInstanceOf(IdempotencyKeyException.class)
                .hasMessage("No idempotency key for operation '" + operation.namespace() + "' (namespace "
                        + operation.namespace() + "): the key was null or blank. Pass a key (mark a parameter with"
                        + " @IdempotencyKey, set @Idempotent(key = ...), or choose a keyStrategy); the body did not"
                        + " run.");

        assertNothingRanOrChanged();
        assertThat(requests.counts()).isEmpty();
    }

    @Test
    void refusesABlankKeyWithoutARequestToTheStore() {
        assertThatThrownBy(() -> operation.execute(" \t ", "10 EUR", this::body))
                .isInstanceOf(IdempotencyKeyException.class)
                .hasMessageContaining("the key was null or blank");

        assertNothingRanOrChanged();
        assertThat(requests.counts()).isEmpty();
    }

    @Test
    void storesAVeryLongKeyAsABoundedHashAndReplaysIt() {
        String longKey = "order-".repeat(20_000);

        String first = operation.execute(longKey, "10 EUR", this::body);

        assertThat(operation.execute(longKey, "10 EUR", this::body)).isEqualTo(first);
        assertThat(runs).hasValue(2);
        String id = operation.namespace() + "#" + Hashes.sha256(longKey);
        assertThat(scan()).containsAll(before).hasSize(before.size() + 1)
                .anySatisfy(item -> assertThat(item.get("id").s()).isEqualTo(id));
        assertThat(id).hasSizeLessThan(TableLayout.MAX_ID_BYTES);
    }

    @Test
    void refusesACallWhoseKeyStrategyFailsOrFindsNoKey() throws Exception {
        IdempotentOperation<Object> failing =
                idempotency.operation(Orders.class.getMethod("placeFailing", String.class));
        IdempotentOperation<Object> missing =
                idempotency.operation(Orders.class.getMethod("placeMissing", String.class));

        assertThatThrownBy(() -> failing.invoke(new Object[] {"10 EUR"}, this::body))
                .isInstanceOf(IdempotencyKeyException.class)
                .hasMessage("The key strategy of Orders.placeFailing(String) (namespace orders.failing) failed with"
                        + " IllegalStateException (see the cause; its message is not repeated here, since it may"
                        + " quote the key). Fix the strategy or the arguments; the body did not run.")
                .cause().hasMessage("no order id in the request");
        assertThatThrownBy(() -> missing.invoke(new Object[] {"10 EUR"}, this::body))
                .isInstanceOf(IdempotencyKeyException.class)
                .hasMessageContaining("No idempotency key for Orders.placeMissing(String)");

        assertNothingRanOrChanged();
        assertThat(requests.counts()).isEmpty();
    }

    @Test
    void refusesTheSameKeyWithAnotherPayloadAndKeepsTheFirstRecord() {
        assertThatThrownBy(() -> operation.execute("order-1", "99 EUR", this::body))
                .isInstanceOf(IdempotencyPayloadMismatchException.class)
                .hasMessage("The idempotency key of operation '" + operation.namespace() + "' (namespace "
                        + operation.namespace() + ", record " + recordId("order-1") + ") was used before with a"
                        + " different payload. Use a new key for a new request; the body did not run.");

        assertNothingRanOrChanged();
        assertThat(operation.execute("order-1", "10 EUR", this::body)).isEqualTo("result 1");
    }

    @Test
    void givesTheFirstCallerAResultThatCannotBeSerializedAndDuplicatesAReplayError() {
        IdempotentOperation<Node> nodes = idempotency.operation("nodes." + UUID.randomUUID(), Node.class).build();
        Node cycle = new Node();

        assertThat(nodes.execute("node-1", "payload", () -> {
            runs.incrementAndGet();
            return cycle;
        })).isSameAs(cycle);

        assertThatThrownBy(() -> nodes.execute("node-1", "payload", Node::new))
                .isInstanceOf(IdempotencyReplayException.class)
                .hasMessageContaining("ran and completed, but its result was not kept (it could not be serialized, or"
                        + " was too large for the store), so it cannot be replayed. The body did not run again.");
        assertThat(runs).hasValue(2);
        assertThat(scan()).containsAll(before).hasSize(before.size() + 1)
                .anySatisfy(item -> assertThat(item).containsEntry("status", AttributeValue.fromS("COMPLETED"))
                        .doesNotContainKey("result")
                        .containsEntry("id", AttributeValue.fromS(nodes.namespace() + "#" + Hashes.sha256("node-1"))));
    }

    @Test
    void givesTheFirstCallerAResultAboveTheItemLimitAndKeepsEveryOtherRecord() {
        String tooLarge = "x".repeat(store.maxResultBytes());

        assertThat(operation.execute("order-2", "10 EUR", () -> body() + tooLarge)).endsWith(tooLarge);

        assertThatThrownBy(() -> operation.execute("order-2", "10 EUR", this::body))
                .isInstanceOf(IdempotencyReplayException.class)
                .hasMessageContaining("its result was not kept");
        assertThat(runs).hasValue(2);
        assertThat(scan()).containsAll(before).hasSize(before.size() + 1);
    }

    private void assertNothingRanOrChanged() {
        assertThat(runs).as("only the first call ran").hasValue(1);
        assertThat(scan()).containsExactlyInAnyOrderElementsOf(before);
    }

    private String body() {
        return "result " + runs.incrementAndGet();
    }

    private String recordId(String key) {
        return operation.namespace() + "#" + Hashes.sha256(key);
    }

    private List<Map<String, AttributeValue>> scan() {
        return dynamoDb.client().scanPaginator(b -> b.tableName(table).consistentRead(true)).items().stream()
                .toList();
    }

    /** Methods whose key strategy fails, or finds no key. */
    static class Orders {

        @Idempotent(name = "orders.failing", keyStrategy = "failing")
        public String placeFailing(String payload) {
            return payload;
        }

        @Idempotent(name = "orders.missing", keyStrategy = "missing")
        public String placeMissing(String payload) {
            return payload;
        }
    }

    /** A value that refers to itself: JSON cannot hold it, so it cannot be replayed. */
    static final class Node {

        private final Node next = this;

        public Node getNext() {
            return next;
        }
    }
}

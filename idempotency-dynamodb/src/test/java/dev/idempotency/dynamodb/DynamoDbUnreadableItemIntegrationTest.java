package dev.idempotency.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotencyReplayException;
import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.dynamodb.testing.DynaliteExtension;
import dev.idempotency.dynamodb.testing.TestDynamoDb;
import dev.idempotency.testing.Hashes;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Items that another tool wrote, or a hand edited: each ends in a typed error that names the table's own attribute
 * and what to do, and the body does not run.
 */
@ExtendWith(DynaliteExtension.class)
class DynamoDbUnreadableItemIntegrationTest {

    public static class CardDeclinedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public CardDeclinedException(String message) {
            super(message);
        }
    }

    private static TestDynamoDb dynamoDb;
    private static String table;

    private final AtomicInteger runs = new AtomicInteger();
    private IdempotentOperation<String> pay;
    private String namespace;

    @BeforeAll
    static void createTable(TestDynamoDb testDynamoDb) {
        dynamoDb = testDynamoDb;
        table = dynamoDb.createTable();
    }

    @BeforeEach
    void makeTheOperation() {
        DynamoDbIdempotencyStore store =
                DynamoDbIdempotencyStore.builder().client(dynamoDb.client()).tableName(table).build();
        namespace = "payments.pay." + UUID.randomUUID();
        pay = Idempotency.builder().store(store)
                .config(IdempotencyConfig.builder().localCacheEnabled(false).build()).build()
                .operation(namespace, String.class).finalExceptions(CardDeclinedException.class).build();
    }

    @Test
    void namesTheMissingLeaseAttributeOfAnInProgressItem() {
        Map<String, AttributeValue> item = item("k-1", "IN_PROGRESS");
        item.remove("lease_expiration");
        dynamoDb.client().putItem(b -> b.tableName(table).item(item));

        assertThatThrownBy(() -> pay.execute("k-1", () -> "paid " + runs.incrementAndGet()))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageContaining("An item in DynamoDB table '" + table + "' is not an idempotency record this"
                        + " store can read: attribute 'lease_expiration' is missing, and an IN_PROGRESS record needs"
                        + " it. Does another application write to this table, or were the store's attribute names"
                        + " changed? Correct the item, or delete it to let its key run again.");
        assertThat(runs).hasValue(0);
    }

    @Test
    void namesAnAttributeWhoseNumberIsNoTimestamp() {
        Map<String, AttributeValue> item = item("k-1", "COMPLETED");
        item.put("expiration", AttributeValue.fromN("1e30"));
        dynamoDb.client().putItem(b -> b.tableName(table).item(item));

        assertThatThrownBy(() -> pay.execute("k-1", () -> "paid " + runs.incrementAndGet()))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageContaining("attribute 'expiration' holds a number out of range for a timestamp");
        assertThat(runs).hasValue(0);
    }

    @Test
    void namesAnUnknownStatus() {
        dynamoDb.client().putItem(b -> b.tableName(table).item(item("k-1", "DONE")));

        assertThatThrownBy(() -> pay.execute("k-1", () -> "paid " + runs.incrementAndGet()))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageContaining("attribute 'status' holds the unknown status 'DONE'");
        assertThat(runs).hasValue(0);
    }

    @Test
    void refusesAKeptFailureWhoseBytesAreNotJsonWithATypedError() {
        Map<String, AttributeValue> item = item("k-1", "FAILED");
        item.put("result", AttributeValue.fromB(SdkBytes.fromUtf8String("<html>502 Bad Gateway</html>")));
        dynamoDb.client().putItem(b -> b.tableName(table).item(item));

        assertThatThrownBy(() -> pay.execute("k-1", () -> "paid " + runs.incrementAndGet()))
                .isInstanceOf(IdempotencyReplayException.class)
                .hasMessageContaining("failed with a kept exception, but the record cannot be replayed: the kept"
                        + " exception is not the JSON this framework writes");
        assertThat(runs).hasValue(0);
    }

    /** An item as the store writes it, for the key {@code key} of this test's namespace. */
    private Map<String, AttributeValue> item(String key, String status) {
        long now = Instant.now().getEpochSecond();
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("id", AttributeValue.fromS(namespace + "#" + Hashes.sha256(key)));
        item.put("status", AttributeValue.fromS(status));
        item.put("expiration", AttributeValue.fromN(Long.toString(now + 3600)));
        item.put("lease_expiration", AttributeValue.fromN(Long.toString((now + 60) * 1000)));
        item.put("claim_token", AttributeValue.fromS("foreign"));
        item.put("fingerprint", AttributeValue.fromS("-"));
        return item;
    }
}

package dev.idempotency.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.dynamodb.testing.DynaliteExtension;
import dev.idempotency.dynamodb.testing.TestDynamoDb;
import dev.idempotency.store.AbstractIdempotencyStoreContractTest;
import dev.idempotency.store.IdempotencyStore;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The whole store contract in single-table mode: a fixed partition key value, the record id in the sort key. */
@ExtendWith(DynaliteExtension.class)
class SingleTableDynamoDbIdempotencyStoreIntegrationTest extends AbstractIdempotencyStoreContractTest {

    private static TestDynamoDb dynamoDb;
    private static String table;

    @BeforeAll
    static void createTable(TestDynamoDb testDynamoDb) {
        dynamoDb = testDynamoDb;
        table = dynamoDb.createTable(singleTableStore(dynamoDb.newTableName())).tableName();
    }

    @Override
    protected IdempotencyStore createStore() {
        return singleTableStore(table);
    }

    private static DynamoDbIdempotencyStore singleTableStore(String tableName) {
        return DynamoDbIdempotencyStore.builder()
                .client(dynamoDb.client())
                .tableName(tableName)
                .singleTable("pk", "idempotency", "sk")
                .build();
    }

    @Test
    void keepsARecordUnderThePartitionKeyValueWithItsIdInTheSortKey() {
        String id = newId();

        store.claim(inProgress(id, "owner"), now());

        Map<String, AttributeValue> item = item("idempotency", id);
        assertThat(item.get("pk")).isEqualTo(AttributeValue.fromS("idempotency"));
        assertThat(item.get("sk")).isEqualTo(AttributeValue.fromS(id));
        assertThat(item).doesNotContainKey("id");
    }

    @Test
    void leavesOtherItemsOfTheSharedTableAlone() {
        String id = newId();
        Map<String, AttributeValue> order = Map.of("pk", AttributeValue.fromS("orders"),
                "sk", AttributeValue.fromS(id), "total", AttributeValue.fromN("42"));
        dynamoDb.client().putItem(b -> b.tableName(table).item(order));

        assertThat(store.find(id)).isEmpty();
        assertThat(store.claim(inProgress(id, "owner"), now()).isClaimed()).isTrue();
        assertThat(store.release(id, "owner")).isTrue();

        assertThat(item("orders", id)).isEqualTo(order);
    }

    private Map<String, AttributeValue> item(String partitionKey, String sortKey) {
        return dynamoDb.client().getItem(b -> b.tableName(table).consistentRead(true).key(Map.of(
                "pk", AttributeValue.fromS(partitionKey), "sk", AttributeValue.fromS(sortKey)))).item();
    }
}

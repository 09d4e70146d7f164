package dev.idempotency.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.dynamodb.testing.DynaliteExtension;
import dev.idempotency.dynamodb.testing.TestDynamoDb;
import dev.idempotency.store.AbstractIdempotencyStoreContractTest;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.IdempotencyStore;
import dev.idempotency.store.RecordStatus;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The whole store contract against a live DynamoDB-compatible server, plus the item layout the README documents. */
@ExtendWith(DynaliteExtension.class)
class DynamoDbIdempotencyStoreIntegrationTest extends AbstractIdempotencyStoreContractTest {

    private static TestDynamoDb dynamoDb;
    private static String table;

    @BeforeAll
    static void createTable(TestDynamoDb testDynamoDb) {
        dynamoDb = testDynamoDb;
        table = dynamoDb.createTable();
    }

    @Override
    protected IdempotencyStore createStore() {
        return DynamoDbIdempotencyStore.builder().client(dynamoDb.client()).tableName(table).build();
    }

    @Test
    void writesAClaimWithTheDocumentedAttributesAndTypes() {
        String id = newId();
        IdempotencyRecord claim = inProgress(id, "owner");

        store.claim(claim, now());

        assertThat(item(id)).isEqualTo(Map.of(
                "id", AttributeValue.fromS(id),
                "status", AttributeValue.fromS("IN_PROGRESS"),
                "fingerprint", AttributeValue.fromS("fingerprint"),
                "claim_token", AttributeValue.fromS("owner"),
                "expiration", AttributeValue.fromN(Long.toString(now().plus(TTL).getEpochSecond())),
                "lease_expiration", AttributeValue.fromN(Long.toString(now().plus(LEASE).toEpochMilli()))));
    }

    @Test
    void completesWithTheResultAsBinaryAndNoLease() {
        String id = newId();
        IdempotencyRecord claim = inProgress(id, "owner");
        store.claim(claim, now());

        store.complete(claim.finish(RecordStatus.COMPLETED, new byte[] {0, -1, 42}, now().plus(TTL)));

        Map<String, AttributeValue> item = item(id);
        assertThat(item).doesNotContainKey("lease_expiration");
        assertThat(item.get("status")).isEqualTo(AttributeValue.fromS("COMPLETED"));
        assertThat(item.get("result")).isEqualTo(AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {0, -1, 42})));
    }

    @Test
    void keepsNoResultAttributeForACompletedRecordWithoutAResult() {
        String id = newId();
        IdempotencyRecord claim = inProgress(id, "owner");
        store.claim(claim, now());

        store.complete(claim.finish(RecordStatus.COMPLETED, null, now().plus(TTL)));

        assertThat(item(id)).doesNotContainKeys("result", "lease_expiration");
    }

    @Test
    void reportsAnItemThatIsNotARecordAsAStoreFailureNamingTheTable() {
        String id = newId();
        dynamoDb.client().putItem(b -> b.tableName(table).item(Map.of(
                "id", AttributeValue.fromS(id), "status", AttributeValue.fromS("SHIPPED"))));

        assertThatThrownBy(() -> store.find(id))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageContaining("table '" + table + "'")
                .hasMessageContaining("attribute 'status' holds the unknown status 'SHIPPED'");
    }

    private Map<String, AttributeValue> item(String id) {
        return dynamoDb.client()
                .getItem(b -> b.tableName(table).key(Map.of("id", AttributeValue.fromS(id))).consistentRead(true))
                .item();
    }
}

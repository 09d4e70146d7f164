package dev.idempotency.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.dynamodb.testing.DynaliteExtension;
import dev.idempotency.dynamodb.testing.TestDynamoDb;
import dev.idempotency.store.IdempotencyRecord;

import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;

/** The table helper against a live server: schema, billing, idempotent creation, TTL or its absence. */
@ExtendWith(DynaliteExtension.class)
class DynamoDbIdempotencyTableIntegrationTest {

    private static TestDynamoDb dynamoDb;

    @BeforeAll
    static void keep(TestDynamoDb testDynamoDb) {
        dynamoDb = testDynamoDb;
    }

    @Test
    void createsAnActiveOnDemandTableKeyedByTheRecordId() {
        String name = dynamoDb.newTableName();

        assertThat(DynamoDbIdempotencyTable.create(dynamoDb.client(), name)).isTrue();

        TableDescription table = describe(name);
        assertThat(table.tableStatus()).isEqualTo(TableStatus.ACTIVE);
        assertThat(table.billingModeSummary().billingMode()).isEqualTo(BillingMode.PAY_PER_REQUEST);
        assertThat(table.keySchema()).containsExactly(key("id", KeyType.HASH));
    }

    @Test
    void returnsFalseWhenTheTableExistsAlready() {
        String name = dynamoDb.newTableName();
        DynamoDbIdempotencyTable.create(dynamoDb.client(), name);

        assertThat(DynamoDbIdempotencyTable.create(dynamoDb.client(), name)).isFalse();

        assertThat(describe(name).tableStatus()).isEqualTo(TableStatus.ACTIVE);
    }

    @Test
    void createsTheSingleTableKeyTheStoreIsConfiguredFor() {
        DynamoDbIdempotencyStore store = DynamoDbIdempotencyStore.builder().client(dynamoDb.client())
                .tableName(dynamoDb.newTableName()).singleTable("pk", "idempotency", "sk").build();

        assertThat(DynamoDbIdempotencyTable.create(store)).isTrue();

        assertThat(describe(store.tableName()).keySchema())
                .containsExactly(key("pk", KeyType.HASH), key("sk", KeyType.RANGE));
        Instant now = Instant.ofEpochSecond(Instant.now().getEpochSecond());
        assertThat(store.claim(IdempotencyRecord.inProgress("ns#" + UUID.randomUUID(), "fp", "t",
                now.plusSeconds(60), now.plusSeconds(10)), now).isClaimed()).isTrue();
    }

    @Test
    void enablesTtlOnTheExpirationAttributeOrLogsThatTheEndpointCannotAndCarriesOn() {
        DynamoDbIdempotencyStore store = DynamoDbIdempotencyStore.builder().client(dynamoDb.client())
                .tableName(dynamoDb.newTableName()).expirationAttribute("expires_at").build();

        String log = stderrWhile(() -> DynamoDbIdempotencyTable.create(store));

        boolean warned = log.contains("does not support UpdateTimeToLive, so TTL is not enabled on table '"
                + store.tableName() + "'");
        if (dynamoDb.isDynalite()) {
            assertThat(warned).as("warned that dynalite has no TTL:%n%s", log).isTrue();
        }
        if (warned) {
            assertThat(log).contains("enable TTL on attribute 'expires_at'")
                    .as("the INFO line says one true thing: no TTL, not 'TTL on'")
                    .contains("key id (S, HASH), no TTL (the endpoint does not support it)")
                    .doesNotContain("TTL on 'expires_at'");
        } else {
            assertThat(log).contains("key id (S, HASH), TTL on 'expires_at'");
            TimeToLiveDescription ttl = dynamoDb.client()
                    .describeTimeToLive(b -> b.tableName(store.tableName())).timeToLiveDescription();
            assertThat(ttl.timeToLiveStatus()).isIn(TimeToLiveStatus.ENABLED, TimeToLiveStatus.ENABLING);
            assertThat(ttl.attributeName()).isEqualTo("expires_at");
        }
        assertThat(describe(store.tableName()).tableStatus()).isEqualTo(TableStatus.ACTIVE);
    }

    @Test
    void refusesATableThatExistsWithAnotherKeySchema() {
        String name = dynamoDb.newTableName();
        DynamoDbIdempotencyTable.create(dynamoDb.client(), name);
        DynamoDbIdempotencyStore singleTable = DynamoDbIdempotencyStore.builder().client(dynamoDb.client())
                .tableName(name).singleTable("pk", "idempotency", "sk").build();

        assertThatThrownBy(() -> DynamoDbIdempotencyTable.create(singleTable))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageContaining("DynamoDB table '" + name + "'")
                .hasMessageContaining("exists with key id (S, HASH), but the store needs pk (S, HASH), sk (S, RANGE)");
    }

    private static TableDescription describe(String name) {
        return dynamoDb.client().describeTable(b -> b.tableName(name)).table();
    }

    private static KeySchemaElement key(String name, KeyType type) {
        return KeySchemaElement.builder().attributeName(name).keyType(type).build();
    }

    /** What slf4j-simple (which writes to the current {@code System.err}) logs while {@code action} runs. */
    private static String stderrWhile(Runnable action) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        original.print(captured.toString(StandardCharsets.UTF_8));
        return captured.toString(StandardCharsets.UTF_8);
    }
}

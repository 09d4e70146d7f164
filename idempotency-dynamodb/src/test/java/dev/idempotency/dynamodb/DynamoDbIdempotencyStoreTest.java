package dev.idempotency.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.RecordStatus;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The builder, the settings it prints and the size limit; nothing here reaches a server. */
class DynamoDbIdempotencyStoreTest {

    private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

    private final CannedHttpClient http = CannedHttpClient.error(500, "InternalServerError", "never sent");
    private final DynamoDbClient client = http.dynamoDbClient();

    @AfterEach
    void closeClient() {
        client.close();
    }

    @Test
    void printsItsEffectiveSettingsWithTheDocumentedDefaults() {
        DynamoDbIdempotencyStore store = DynamoDbIdempotencyStore.builder().client(client).tableName("idempotency")
                .build();

        assertThat(store).hasToString("DynamoDbIdempotencyStore[table=idempotency, endpoint http://127.0.0.1:8000,"
                + " key=id (S, HASH), statusAttribute=status, expirationAttribute=expiration,"
                + " leaseExpirationAttribute=lease_expiration, claimTokenAttribute=claim_token,"
                + " fingerprintAttribute=fingerprint, resultAttribute=result, maxResultBytes=408077]");
        assertThat(store.tableName()).isEqualTo("idempotency");
    }

    @Test
    void printsTheSingleTableKeyAndPartitionKeyValue() {
        DynamoDbIdempotencyStore store = DynamoDbIdempotencyStore.builder().client(client).tableName("app")
                .singleTable("pk", "idempotency", "sk").build();

        assertThat(store.toString()).contains("key=pk (S, HASH), sk (S, RANGE), partitionKeyValue=idempotency");
    }

    @Test
    void keepsRoomForTheLongestIdFingerprintTokenAndEveryAttributeNameBesideTheResult() {
        int names = "id".length() + "status".length() + "expiration".length() + "lease_expiration".length()
                + "claim_token".length() + "fingerprint".length() + "result".length();
        int rest = 1_024 + 256 + 128 + "IN_PROGRESS".length() + 2 * 21;

        DynamoDbIdempotencyStore store = DynamoDbIdempotencyStore.builder().client(client).tableName("idempotency")
                .build();

        assertThat(store.maxResultBytes()).isEqualTo(409_600 - names - rest).isEqualTo(408_077);
    }

    @Test
    void leavesLessRoomForTheResultForLongerNamesAndASingleTablePartitionKey() {
        DynamoDbIdempotencyStore store = DynamoDbIdempotencyStore.builder().client(client).tableName("app")
                .resultAttribute("result_bytes")
                .singleTable("pk", "idempotency-é", "sk")
                .build();

        assertThat(store.maxResultBytes()).isEqualTo(408_077 - "_bytes".length() - "pk".length()
                - "idempotency-é".getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void refusesToBuildWithoutAClient() {
        assertThatThrownBy(() -> DynamoDbIdempotencyStore.builder().tableName("idempotency").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("client must be set: the DynamoDbClient the store sends requests with");
    }

    @Test
    void refusesToBuildWithoutATableName() {
        assertThatThrownBy(() -> DynamoDbIdempotencyStore.builder().client(client).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("tableName must be set");
    }

    @Test
    void rejectsATableNameDynamoDbWouldReject() {
        assertThatThrownBy(() -> DynamoDbIdempotencyStore.builder().tableName("my table"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tableName must be 3 to 255 characters of a-z, A-Z, 0-9, '_', '-' and '.', but was"
                        + " 'my table'");
        assertThatThrownBy(() -> DynamoDbIdempotencyStore.builder().tableName("ab"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsABlankAttributeName() {
        assertThatThrownBy(() -> DynamoDbIdempotencyStore.builder().statusAttribute(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("statusAttribute must not be blank");
    }

    @Test
    void rejectsTwoSettingsThatNameTheSameAttribute() {
        assertThatThrownBy(() -> DynamoDbIdempotencyStore.builder().client(client).tableName("idempotency")
                .statusAttribute("result").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("every attribute needs its own name, but 'result' is both statusAttribute and"
                        + " resultAttribute");
    }

    @Test
    void rejectsASingleTablePartitionKeyThatIsAlsoTheSortKey() {
        assertThatThrownBy(() -> DynamoDbIdempotencyStore.builder().client(client).tableName("app")
                .singleTable("pk", "idempotency", "pk").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("every attribute needs its own name, but 'pk' is both partitionKeyAttribute and"
                        + " sortKeyAttribute");
    }

    @Test
    void rejectsAnEmptyPartitionKeyValue() {
        assertThatThrownBy(() -> DynamoDbIdempotencyStore.builder().singleTable("pk", "", "sk"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("partitionKeyValue must be 1 to 2048 bytes in UTF-8, but was 0 bytes");
    }

    @Test
    void refusesAResultAboveTheLimitBeforeSendingARequest() {
        DynamoDbIdempotencyStore store = DynamoDbIdempotencyStore.builder().client(client).tableName("idempotency")
                .build();
        IdempotencyRecord done = IdempotencyRecord.inProgress("ns#id", "fp", "token", NOW.plusSeconds(60),
                NOW.plusSeconds(10)).finish(RecordStatus.COMPLETED, new byte[store.maxResultBytes() + 1],
                NOW.plusSeconds(60));

        assertThatThrownBy(() -> store.complete(done))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the result is 408078 bytes, above maxResultBytes() = 408077: a record must fit in"
                        + " DynamoDB's 400 KB item limit");
        assertThat(http.requests()).isZero();
    }

    @Test
    void refusesAnIdLongerThanTheRoomKeptForItBeforeSendingARequest() {
        DynamoDbIdempotencyStore store = DynamoDbIdempotencyStore.builder().client(client).tableName("idempotency")
                .build();
        IdempotencyRecord claim = IdempotencyRecord.inProgress("n".repeat(1_025), "fp", "token", NOW.plusSeconds(60),
                NOW.plusSeconds(10));

        assertThatThrownBy(() -> store.claim(claim, NOW))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("id must be at most 1024 bytes in UTF-8, but was 1025 bytes");
        assertThat(http.requests()).isZero();
    }
}

package dev.idempotency.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.dynamodb.testing.DynaliteExtension;
import dev.idempotency.dynamodb.testing.RequestCounter;
import dev.idempotency.dynamodb.testing.TestDynamoDb;
import dev.idempotency.store.IdempotencyRecord;

import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;

/**
 * Where a failed claim carries no item, the store reads the record; when the record vanished in between (released,
 * or expired and deleted), it claims again, a bounded number of times. The vanishing is staged by an interceptor
 * that writes and deletes through a second, uncounted client.
 */
@ExtendWith(DynaliteExtension.class)
class DynamoDbClaimRetryIntegrationTest {

    private static TestDynamoDb dynamoDb;
    private static String table;

    private final RequestCounter requests = new RequestCounter();

    @BeforeAll
    static void createTable(TestDynamoDb testDynamoDb) {
        dynamoDb = testDynamoDb;
        table = dynamoDb.createTable();
    }

    @Test
    void claimsAgainWhenTheBlockingRecordVanishesBeforeItCanBeRead() {
        Instant now = Instant.ofEpochSecond(Instant.now().getEpochSecond());
        String id = "retry#" + UUID.randomUUID();
        DynamoDbIdempotencyStore.builder().client(dynamoDb.client()).tableName(table).build()
                .claim(claim(id, now), now);

        try (DynamoDbClient client = client(new VanishingBlocker(false))) {
            IdempotencyRecord mine = claim(id, now);

            assertThat(store(client).claim(mine, now).isClaimed()).isTrue();

            assertThat(store(client).find(id)).contains(mine);
            assertThat(requests.counts()).isEqualTo(Map.of("PutItem", 2, "GetItem", 2));
        }
    }

    @Test
    void givesUpAfterThreeAttemptsWhenTheBlockingRecordKeepsVanishing() {
        Instant now = Instant.ofEpochSecond(Instant.now().getEpochSecond());
        String id = "retry#" + UUID.randomUUID();

        try (DynamoDbClient client = client(new VanishingBlocker(true))) {
            assertThatThrownBy(() -> store(client).claim(claim(id, now), now))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessage("Failed to claim a record: in DynamoDB table '" + table + "' at endpoint "
                            + dynamoDb.endpoint() + " the record changed between the failed write and the read after"
                            + " it, 3 times in a row. Retry the call.");

            assertThat(requests.counts()).isEqualTo(Map.of("PutItem", 3, "GetItem", 3));
        }
    }

    private DynamoDbClient client(ExecutionInterceptor stage) {
        return dynamoDb.clientBuilder()
                .overrideConfiguration(o -> o.addExecutionInterceptor(stage).addExecutionInterceptor(requests))
                .build();
    }

    private static DynamoDbIdempotencyStore store(DynamoDbClient client) {
        return DynamoDbIdempotencyStore.builder().client(client).tableName(table).build();
    }

    private static IdempotencyRecord claim(String id, Instant now) {
        return IdempotencyRecord.inProgress(id, "fp", UUID.randomUUID().toString(), now.plusSeconds(600),
                now.plusSeconds(60));
    }

    /**
     * Deletes the record that failed a claim's condition right after the failure, before the store reads it; with
     * {@code blockEveryWrite}, also writes a live record just before every claim, so that no claim ever succeeds.
     */
    private static final class VanishingBlocker implements ExecutionInterceptor {

        private final boolean blockEveryWrite;

        VanishingBlocker(boolean blockEveryWrite) {
            this.blockEveryWrite = blockEveryWrite;
        }

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            if (blockEveryWrite && context.request() instanceof PutItemRequest put) {
                Map<String, AttributeValue> live = new HashMap<>(put.item());
                live.put("claim_token", AttributeValue.fromS("blocker"));
                dynamoDb.client().putItem(b -> b.tableName(table).item(live));
            }
        }

        @Override
        public Throwable modifyException(Context.FailedExecution context, ExecutionAttributes attributes) {
            if (context.exception() instanceof ConditionalCheckFailedException
                    && context.request() instanceof PutItemRequest put) {
                dynamoDb.client().deleteItem(b -> b.tableName(table).key(Map.of("id", put.item().get("id"))));
            }
            return context.exception();
        }
    }
}

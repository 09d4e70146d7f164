package dev.idempotency.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.dynamodb.testing.DynaliteExtension;
import dev.idempotency.dynamodb.testing.RequestCounter;
import dev.idempotency.dynamodb.testing.ResponseDroppingProxy;
import dev.idempotency.dynamodb.testing.TestDynamoDb;
import dev.idempotency.store.RecordStatus;
import dev.idempotency.testing.Hashes;
import dev.idempotency.testing.RecordingListener;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The network loses the response to a completion or a release after DynamoDB applied it: the SDK retries, the retry
 * fails its condition, and the engine must see that the record is done by this very call, not taken over by another.
 */
@ExtendWith(DynaliteExtension.class)
class DynamoDbLostResponseIntegrationTest {

    private static TestDynamoDb dynamoDb;
    private static String table;

    private final RecordingListener listener = new RecordingListener();
    private final RequestCounter requests = new RequestCounter();
    private final AtomicInteger runs = new AtomicInteger();
    private ResponseDroppingProxy proxy;
    private DynamoDbClient client;
    private DynamoDbIdempotencyStore store;
    private IdempotentOperation<String> pay;
    private String namespace;

    @BeforeAll
    static void createTable(TestDynamoDb testDynamoDb) {
        dynamoDb = testDynamoDb;
        table = dynamoDb.createTable();
    }

    @BeforeEach
    void startTheProxy() throws IOException {
        proxy = ResponseDroppingProxy.to(dynamoDb.endpoint());
        client = dynamoDb.clientBuilder().endpointOverride(proxy.uri())
                .overrideConfiguration(o -> o.addExecutionInterceptor(requests)).build();
        store = DynamoDbIdempotencyStore.builder().client(client).tableName(table).build();
        namespace = "payments.pay." + UUID.randomUUID();
        pay = Idempotency.builder().store(store).listener(listener).build().operation(namespace, String.class).build();
    }

    @AfterEach
    void stopTheProxy() throws IOException {
        client.close();
        proxy.close();
    }

    @Test
    void recognisesACompletionWhoseResponseWasLost() {
        proxy.dropNextResponseTo("UpdateItem");

        String first = pay.execute("k-1", () -> "paid " + runs.incrementAndGet());

        assertThat(proxy.dropped()).isEqualTo(1);
        assertThat(requests.counts()).containsEntry("UpdateItem", 2);
        assertThat(store.find(namespace + "#" + Hashes.sha256("k-1"))).get()
                .satisfies(r -> assertThat(r.status()).isEqualTo(RecordStatus.COMPLETED));
        assertThat(listener.events()).as("no lease was lost").containsExactly("executed");
        assertThat(pay.execute("k-1", () -> "paid " + runs.incrementAndGet())).isEqualTo(first);
        assertThat(listener.events()).containsExactly("executed", "replayed LOCAL_CACHE");
        assertThat(runs).hasValue(1);
    }

    @Test
    void recognisesAReleaseWhoseResponseWasLost() {
        proxy.dropNextResponseTo("DeleteItem");

        assertThatThrownBy(() -> pay.execute("k-1", () -> {
            throw new IllegalStateException("gateway timeout");
        })).hasMessage("gateway timeout");

        assertThat(proxy.dropped()).isEqualTo(1);
        assertThat(requests.counts()).containsEntry("DeleteItem", 2);
        assertThat(listener.events()).containsExactly("released");
        assertThat(pay.execute("k-1", () -> "paid " + runs.incrementAndGet())).isEqualTo("paid 1");
    }
}

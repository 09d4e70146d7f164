package dev.idempotency.dynamodb.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.Idempotency;
import dev.idempotency.Idempotent;
import dev.idempotency.dynamodb.DynamoDbIdempotencyStore;
import dev.idempotency.dynamodb.testing.DynaliteExtension;
import dev.idempotency.dynamodb.testing.RequestCounter;
import dev.idempotency.dynamodb.testing.TestDynamoDb;
import dev.idempotency.store.IdempotencyStore;
import dev.idempotency.spring.EnableIdempotency;
import dev.idempotency.spring.testing.Contexts;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.Select;

/** {@code idempotency.store.type=dynamodb} against a live DynamoDB-compatible server (dynalite). */
@ExtendWith(DynaliteExtension.class)
class DynamoDbStoreTypeIntegrationTest {

    /** dynalite checks no signature, but the SDK signs every request: the client we make needs credentials. */
    private static final Map<String, String> DYNALITE_CREDENTIALS =
            Map.of("aws.accessKeyId", "dummy", "aws.secretAccessKey", "dummy");

    private static TestDynamoDb dynamoDb;

    @BeforeAll
    static void useDummyCredentialsOnDynalite(TestDynamoDb testDynamoDb) {
        dynamoDb = testDynamoDb;
        if (dynamoDb.isDynalite()) {
            DYNALITE_CREDENTIALS.forEach(System::setProperty);
        }
    }

    @AfterAll
    static void forgetDummyCredentials() {
        if (dynamoDb.isDynalite()) {
            DYNALITE_CREDENTIALS.keySet().forEach(System::clearProperty);
        }
    }

    @Test
    void createsTheTableAndReplaysThroughTheAspectOnAClientMadeFromTheProperties() {
        String table = dynamoDb.newTableName();
        Map<String, Object> properties = new HashMap<>(Map.of(
                "idempotency.store.type", "dynamodb",
                "idempotency.dynamodb.table-name", table,
                "idempotency.dynamodb.endpoint", dynamoDb.endpoint().toString(),
                "idempotency.dynamodb.create-table", "true",
                "idempotency.local-cache.enabled", "false"));
        if (dynamoDb.isDynalite()) {
            properties.put("idempotency.dynamodb.region", "us-east-1");
        }
        IdempotencyStore store;
        try (AnnotationConfigApplicationContext context = Contexts.start(properties, AppConfig.class)) {
            Shipments shipments = context.getBean(Shipments.class);
            store = context.getBean(Idempotency.class).store();

            Receipt first = shipments.ship(new Order("s-1", 3));

            assertThat(shipments.ship(new Order("s-1", 3))).isEqualTo(first);
            assertThat(shipments.runs()).isEqualTo(1);
            assertThat(context.getBean(Idempotency.class).store())
                    .isInstanceOfSatisfying(DynamoDbIdempotencyStore.class, dynamo ->
                            assertThat(dynamo.tableName()).isEqualTo(table));
            assertThat(dynamoDb.client().scan(b -> b.tableName(table).select(Select.COUNT)).count()).isEqualTo(1);
        }
        // The client made from the properties was the context's to close, and closed with it: it refuses requests.
        assertThatThrownBy(() -> store.find("shipments#0")).isInstanceOf(RuntimeException.class);
    }

    @Test
    void usesTheApplicationsDynamoDbClientBean() {
        String table = dynamoDb.createTable();
        Map<String, Object> properties = Map.of(
                "idempotency.store.type", "dynamodb",
                "idempotency.dynamodb.table-name", table,
                "idempotency.local-cache.enabled", "false");
        try (AnnotationConfigApplicationContext context =
                Contexts.start(properties, AppConfig.class, OwnClient.class)) {
            Shipments shipments = context.getBean(Shipments.class);

            shipments.ship(new Order("s-1", 3));
            shipments.ship(new Order("s-1", 3));

            assertThat(shipments.runs()).isEqualTo(1);
            assertThat(context.getBean(RequestCounter.class).counts())
                    .containsEntry("PutItem", 2)
                    .containsEntry("UpdateItem", 1);
        }
    }

    @Configuration
    @EnableIdempotency
    static class AppConfig {

        @Bean
        Shipments shipments() {
            return new Shipments();
        }
    }

    @Configuration
    static class OwnClient {

        @Bean
        RequestCounter requests() {
            return new RequestCounter();
        }

        @Bean
        DynamoDbClient dynamoDbClient(RequestCounter requests) {
            return dynamoDb.clientBuilder()
                    .overrideConfiguration(o -> o.addExecutionInterceptor(requests))
                    .build();
        }
    }

    static class Shipments {

        private final AtomicInteger runs = new AtomicInteger();

        int runs() {
            return runs.get();
        }

        @Idempotent(key = "#order.id")
        public Receipt ship(Order order) {
            return new Receipt(order.id(), order.amount(), runs.incrementAndGet());
        }
    }
}

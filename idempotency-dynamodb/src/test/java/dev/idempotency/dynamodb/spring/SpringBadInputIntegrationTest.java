package dev.idempotency.dynamodb.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.expression.spel.SpelEvaluationException;

import dev.idempotency.IdempotencyKeyException;
import dev.idempotency.IdempotencyPayloadMismatchException;
import dev.idempotency.IdempotencyReplayException;
import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.Idempotent;
import dev.idempotency.dynamodb.testing.DynaliteExtension;
import dev.idempotency.dynamodb.testing.TestDynamoDb;
import dev.idempotency.testing.Hashes;
import dev.idempotency.spring.EnableIdempotency;
import dev.idempotency.spring.testing.Contexts;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Bad input at call time through {@link Idempotent} methods, with the DynamoDB store on a live server: each gets a
 * typed error naming the method, and every record already stored stays exactly as it was (each test first completes
 * a call, then compares the whole table before and after). Bad attributes fail the startup
 * ({@link IdempotentMethodValidationTest}), and so do bad properties ({@link IdempotencyConfigurationTest},
 * {@code IdempotencyAutoConfigurationTest}).
 */
@ExtendWith(DynaliteExtension.class)
class SpringBadInputIntegrationTest {

    private static final String NAMESPACE = "payments.pay";

    private static TestDynamoDb dynamoDb;
    private static String table;
    private static AnnotationConfigApplicationContext context;
    private static Payments payments;

    private List<Map<String, AttributeValue>> before;
    private int runsBefore;

    @BeforeAll
    static void startTheApplication(TestDynamoDb testDynamoDb) {
        dynamoDb = testDynamoDb;
        table = dynamoDb.createTable();
        context = Contexts.start(properties(table), AppConfig.class, OwnClient.class);
        payments = context.getBean(Payments.class);
    }

    @AfterAll
    static void closeTheApplication() {
        context.close();
    }

    @BeforeEach
    void completeACallAndSnapshotTheTable() {
        payments.pay("o-1", 10);
        before = scan();
        runsBefore = payments.runs();
    }

    @Test
    void refusesANullKeyNamingTheMethod() {
        assertThatThrownBy(() -> payments.pay(null, 10))
                .isInstanceOf(IdempotencyKeyException.class)
                .hasMessage("No idempotency key for Payments.pay(String, int) (namespace payments.pay): the key was"
                        + " null or blank. Pass a key (mark a parameter with @IdempotencyKey, set @Idempotent(key ="
                        + " ...), or choose a keyStrategy); the body did not run.");

        assertNothingRanOrChanged();
    }

    @Test
    void refusesABlankKey() {
        assertThatThrownBy(() -> payments.pay("   ", 10))
                .isInstanceOf(IdempotencyKeyException.class)
                .hasMessageContaining("Payments.pay(String, int)")
                .hasMessageContaining("the key was null or blank");

        assertNothingRanOrChanged();
    }

    @Test
    void storesAVeryLongKeyAsABoundedHashAndReplaysIt() {
        String longKey = "o-".repeat(50_000);

        Receipt first = payments.pay(longKey, 10);

        assertThat(payments.pay(longKey, 10)).isEqualTo(first);
        assertThat(payments.runs()).isEqualTo(runsBefore + 1);
        assertThat(scan()).containsAll(before).hasSize(before.size() + 1)
                .anySatisfy(item -> assertThat(item.get("id").s())
                        .isEqualTo(NAMESPACE + "#" + Hashes.sha256(longKey)).hasSize(NAMESPACE.length() + 65));
    }

    @Test
    void refusesACallWhoseKeyExpressionFails() {
        assertThatThrownBy(() -> payments.payForCustomer(new Order("o-1", 10)))
                .isInstanceOf(IdempotencyKeyException.class)
                .hasCauseInstanceOf(SpelEvaluationException.class)
                .hasMessage("Cannot evaluate the key expression '#order.customer' of Payments.payForCustomer(Order)"
                        + " (namespace payments.payForCustomer): PROPERTY_OR_FIELD_NOT_READABLE,"
                        + " SpelEvaluationException (see the cause; its message is not repeated here, since it may"
                        + " quote the key). Fix the expression or the arguments; the body did not run.");

        assertNothingRanOrChanged();
    }

    @Test
    void refusesACallWhoseKeyExpressionYieldsNull() {
        assertThatThrownBy(() -> payments.payOrder(new Order(null, 10)))
                .isInstanceOf(IdempotencyKeyException.class)
                .hasMessageStartingWith("No idempotency key for Payments.payOrder(Order) (namespace"
                        + " payments.payOrder): the key was null or blank.");
        assertThatThrownBy(() -> payments.payOrder(null))
                .isInstanceOf(IdempotencyKeyException.class);

        assertNothingRanOrChanged();
    }

    @Test
    void refusesTheSameKeyWithAnotherPayloadAndKeepsTheFirstRecord() {
        assertThatThrownBy(() -> payments.pay("o-1", 99))
                .isInstanceOf(IdempotencyPayloadMismatchException.class)
                .hasMessage("The idempotency key of Payments.pay(String, int) (namespace payments.pay, record "
                        + NAMESPACE + "#" + Hashes.sha256("o-1") + ") was used before with a different payload. Use a"
                        + " new key for a new request; the body did not run.");

        assertNothingRanOrChanged();
        assertThat(payments.pay("o-1", 10)).isEqualTo(new Receipt("o-1", 10, 1));
    }

    @Test
    void givesTheFirstCallerAResultThatCannotBeReplayedAndDuplicatesAReplayError() {
        Node first = payments.link("n-1");

        assertThat(first.getNext()).isSameAs(first);
        assertThatThrownBy(() -> payments.link("n-1"))
                .isInstanceOf(IdempotencyReplayException.class)
                .hasMessage("The first call of Payments.link(String) (record payments.link#" + Hashes.sha256("n-1")
                        + ") ran and completed, but its result was not kept (it could not be serialized, or was too"
                        + " large for the store), so it cannot be replayed. The body did not run again.");
        assertThat(payments.runs()).isEqualTo(runsBefore + 1);
        assertThat(scan()).containsAll(before).hasSize(before.size() + 1);
    }

    @Test
    void givesTheFirstCallerAResultAboveTheItemLimitAndDuplicatesAReplayError() {
        String first = payments.export("e-1", 500_000);

        assertThat(first).hasSize(500_000);
        assertThatThrownBy(() -> payments.export("e-1", 500_000))
                .isInstanceOf(IdempotencyReplayException.class)
                .hasMessageContaining("Payments.export(String, int)")
                .hasMessageContaining("its result was not kept");
        assertThat(payments.runs()).isEqualTo(runsBefore + 1);
        assertThat(scan()).containsAll(before).hasSize(before.size() + 1);
    }

    @Test
    void failsEveryCallClosedWhenTheTableIsMissing() {
        String missing = dynamoDb.newTableName();
        try (AnnotationConfigApplicationContext withoutTable =
                Contexts.start(properties(missing), AppConfig.class, OwnClient.class)) {
            Payments unprotected = withoutTable.getBean(Payments.class);

            assertThatThrownBy(() -> unprotected.pay("o-1", 10))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessage("The idempotency store failed to claim record " + NAMESPACE + "#"
                            + Hashes.sha256("o-1") + " of Payments.pay(String, int): Failed to claim a record:"
                            + " DynamoDB table '" + missing + "' at endpoint " + dynamoDb.endpoint() + " was not found"
                            + " (or is not ACTIVE yet). Create it with DynamoDbIdempotencyTable.create(store), or check"
                            + " the idempotency table name and the client's region and endpoint.");

            assertThat(unprotected.runs()).isZero();
        }
        assertNothingRanOrChanged();
    }

    private void assertNothingRanOrChanged() {
        assertThat(payments.runs()).as("no body ran").isEqualTo(runsBefore);
        assertThat(scan()).containsExactlyInAnyOrderElementsOf(before);
    }

    private static List<Map<String, AttributeValue>> scan() {
        return dynamoDb.client().scanPaginator(b -> b.tableName(table).consistentRead(true)).items().stream()
                .toList();
    }

    private static Map<String, Object> properties(String tableName) {
        return Map.of(
                "idempotency.store.type", "dynamodb",
                "idempotency.dynamodb.table-name", tableName,
                "idempotency.local-cache.enabled", "false");
    }

    @Configuration
    @EnableIdempotency
    static class AppConfig {

        @Bean
        Payments payments() {
            return new Payments();
        }
    }

    @Configuration
    static class OwnClient {

        @Bean
        DynamoDbClient dynamoDbClient() {
            return dynamoDb.clientBuilder().build();
        }
    }

    /** A value that refers to itself: JSON cannot hold it, so it cannot be replayed. */
    static final class Node {

        private final Node next = this;

        public Node getNext() {
            return next;
        }
    }

    static class Payments {

        private final AtomicInteger runs = new AtomicInteger();

        int runs() {
            return runs.get();
        }

        @Idempotent(name = NAMESPACE, key = "#orderId")
        public Receipt pay(String orderId, int amount) {
            return new Receipt(orderId, amount, runs.incrementAndGet());
        }

        @Idempotent(name = "payments.payForCustomer", key = "#order.customer")
        public Receipt payForCustomer(Order order) {
            return new Receipt(order.id(), order.amount(), runs.incrementAndGet());
        }

        @Idempotent(name = "payments.payOrder", key = "#order?.id")
        public Receipt payOrder(Order order) {
            return new Receipt(order.id(), order.amount(), runs.incrementAndGet());
        }

        @Idempotent(name = "payments.link", key = "#id")
        public Node link(String id) {
            runs.incrementAndGet();
            return new Node();
        }

        @Idempotent(name = "payments.export", key = "#id")
        public String export(String id, int size) {
            runs.incrementAndGet();
            return "x".repeat(size);
        }
    }
}

package dev.idempotency.dynamodb.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.dynamodb.DynamoDbIdempotencyStore;
import dev.idempotency.dynamodb.DynamoDbIdempotencyTable;
import dev.idempotency.dynamodb.testing.DynaliteExtension;
import dev.idempotency.dynamodb.testing.DynaliteProcess;
import dev.idempotency.dynamodb.testing.TestDynamoDb;
import dev.idempotency.spring.boot.IdempotencyAutoConfiguration;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The {@code idempotency} health of the DynamoDB store against dynalite: up while the table is active, down when it
 * is missing or the server is stopped, and contributed by Boot only when the engine's store is the DynamoDB store.
 */
@ExtendWith(DynaliteExtension.class)
class DynamoDbHealthIntegrationTest {

    private static TestDynamoDb dynamoDb;
    private static String table;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IdempotencyAutoConfiguration.class,
                    DynamoDbHealthAutoConfiguration.class, HealthContributorRegistryAutoConfiguration.class))
            .withBean(DynamoDbClient.class, () -> dynamoDb.client(), definition -> definition.setDestroyMethodName(""));

    @BeforeAll
    static void createTable(TestDynamoDb testDynamoDb) {
        dynamoDb = testDynamoDb;
        table = dynamoDb.createTable();
    }

    private static Health health(DynamoDbIdempotencyStore store) {
        return new DynamoDbHealthIndicator(() -> store).health();
    }

    @Test
    void isUpWhileTheTableIsActive() {
        Health health = health(DynamoDbIdempotencyStore.builder().client(dynamoDb.client()).tableName(table).build());

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).isEqualTo(Map.of("store", "dynamodb", "table", table, "tableStatus", "ACTIVE"));
    }

    @Test
    void isDownWhenTheTableIsMissing() {
        String missing = dynamoDb.newTableName();

        Health health = health(DynamoDbIdempotencyStore.builder().client(dynamoDb.client()).tableName(missing)
                .build());

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails()).containsEntry("table", missing).doesNotContainKey("tableStatus");
        assertThat(String.valueOf(health.getDetails().get("error"))).contains("was not found");
    }

    @Test
    void isDownWithinTheTimeoutOnceTheServerIsStopped() throws Exception {
        DynaliteProcess own = DynaliteProcess.start(DynaliteProcess.installedHome());
        try (DynamoDbClient client = own.clientBuilder().build()) {
            DynamoDbIdempotencyStore store = DynamoDbIdempotencyStore.builder().client(client).tableName("payments")
                    .build();
            DynamoDbIdempotencyTable.create(store);
            assertThat(health(store).getStatus()).isEqualTo(Status.UP);

            own.close();
            long start = System.nanoTime();
            Health health = health(store);
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(String.valueOf(health.getDetails().get("error"))).contains("could not send DescribeTable")
                    .doesNotContain("dummy");
            assertThat(took).isLessThan(DynamoDbHealthIndicator.TIMEOUT.plusSeconds(1));
        } finally {
            own.close();
        }
    }

    @Test
    void isContributedAsIdempotencyWhenTheStoreTypeIsDynamoDb() {
        runner.withPropertyValues("idempotency.store.type=dynamodb", "idempotency.dynamodb.table-name=" + table)
                .run(context -> {
                    assertThat(context).hasNotFailed().hasBean("idempotencyHealthIndicator");
                    HealthIndicator indicator = (HealthIndicator) context.getBean(HealthContributorRegistry.class)
                            .getContributor("idempotency");
                    assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
                });
    }

    @Test
    void isContributedForTheApplicationsDynamoDbStoreBean() {
        runner.withUserConfiguration(OwnStore.class).run(context -> assertThat(context).hasNotFailed()
                .hasBean("idempotencyHealthIndicator"));
    }

    @Test
    void isNotContributedForTheMemoryStoreNorWhenTurnedOff() {
        runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("idempotencyHealthIndicator"));
        runner.withPropertyValues("idempotency.store.type=dynamodb", "idempotency.dynamodb.table-name=" + table,
                "management.health.idempotency.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("idempotencyHealthIndicator"));
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnStore {

        @Bean
        DynamoDbIdempotencyStore idempotencyStore(DynamoDbClient client) {
            return DynamoDbIdempotencyStore.builder().client(client).tableName(table).build();
        }
    }
}

package dev.idempotency.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.dynamodb.testing.DynaliteExtension;
import dev.idempotency.dynamodb.testing.TestDynamoDb;
import dev.idempotency.testing.ChaosRun;

/**
 * The chaos run of issue "prove it under faults" against the DynamoDB store: 16 threads, 5,000 calls over 300 keys,
 * 10% of store operations failing before or after they took effect. On dynalite on 2 cores it took 5 to 17 s
 * (about 15,000 requests), so it runs at full size.
 */
@ExtendWith(DynaliteExtension.class)
class DynamoDbChaosIntegrationTest {

    @Test
    void keepsEveryInvariantWhileTenPercentOfStoreOperationsFail(TestDynamoDb dynamoDb) throws Exception {
        DynamoDbIdempotencyStore store = DynamoDbIdempotencyStore.builder()
                .client(dynamoDb.client()).tableName(dynamoDb.createTable()).build();
        long start = System.nanoTime();

        ChaosRun.Report report = new ChaosRun(16, 5_000, 300, 0.10).run(store);

        System.out.println("DynamoDB chaos run in " + Duration.ofNanos(System.nanoTime() - start).toMillis()
                + " ms: " + report);
        assertThat(report.faultsInjected()).isPositive();
        assertThat(report.replays()).as("duplicates answered without running the body").isPositive();
    }
}

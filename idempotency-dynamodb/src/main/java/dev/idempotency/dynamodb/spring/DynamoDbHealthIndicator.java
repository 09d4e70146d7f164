package dev.idempotency.dynamodb.spring;

import java.time.Duration;
import java.util.function.Supplier;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

import dev.idempotency.dynamodb.DynamoDbIdempotencyStore;
import dev.idempotency.dynamodb.DynamoDbIdempotencyTable;
import dev.idempotency.store.IdempotencyStore;

import software.amazon.awssdk.services.dynamodb.model.TableStatus;

/**
 * The health of the DynamoDB store: up while its table exists and serves requests ({@code ACTIVE}, or
 * {@code UPDATING}, which DynamoDB serves too), down when it is missing, in any other status, or cannot be
 * described within {@link #TIMEOUT}. One {@code DescribeTable} per check. Details: the table and its status, or the
 * error, never credentials.
 */
final class DynamoDbHealthIndicator extends AbstractHealthIndicator {

    /** How long one check may take, the SDK's retries included. */
    static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final Supplier<IdempotencyStore> store;

    /** {@code store} is asked at each check: the engine's store, which is made after this indicator may be. */
    DynamoDbHealthIndicator(Supplier<IdempotencyStore> store) {
        super("The DynamoDB idempotency store's health check failed");
        this.store = store;
    }

    @Override
    protected void doHealthCheck(Health.Builder health) {
        if (!(store.get() instanceof DynamoDbIdempotencyStore dynamo)) {
            health.unknown().withDetail("store", "not the DynamoDB store");
            return;
        }
        health.withDetail("store", "dynamodb").withDetail("table", dynamo.tableName());
        TableStatus status = DynamoDbIdempotencyTable.status(dynamo, TIMEOUT);
        health.withDetail("tableStatus", String.valueOf(status));
        if (status == TableStatus.ACTIVE || status == TableStatus.UPDATING) {
            health.up();
        } else {
            health.down();
        }
    }
}

package dev.idempotency.dynamodb;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.idempotency.IdempotencyStoreException;

import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.waiters.WaiterResponse;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableResponse;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;
import software.amazon.awssdk.services.dynamodb.waiters.DynamoDbWaiter;

/**
 * Creates the table a {@link DynamoDbIdempotencyStore} needs: on-demand billing ({@code PAY_PER_REQUEST}), the
 * store's key schema, and TTL on its expiration attribute. Safe to call when the table exists already, so an
 * application may call it at every start; production tables are usually created by infrastructure code instead
 * (the README lists the schema).
 *
 * <pre>{@code
 * DynamoDbIdempotencyTable.create(store);
 * }</pre>
 *
 * <p>Needs {@code dynamodb:CreateTable}, {@code dynamodb:DescribeTable}, {@code dynamodb:DescribeTimeToLive} and
 * {@code dynamodb:UpdateTimeToLive}.
 */
public final class DynamoDbIdempotencyTable {

    /** How long {@link #create} waits at most for a new table to become {@code ACTIVE}: 5 minutes. */
    public static final Duration DEFAULT_WAIT_TIMEOUT = Duration.ofMinutes(5);

    /** A short fixed poll: the SDK's default waiter sleeps 20 s before its second look. */
    private static final Duration POLL_INTERVAL = Duration.ofMillis(250);

    private static final Logger log = LoggerFactory.getLogger(DynamoDbIdempotencyTable.class);

    private DynamoDbIdempotencyTable() {
    }

    /**
     * Creates the table {@code store} uses, shaped by its settings (attribute names, single-table mode), through
     * its client, and waits until it is {@code ACTIVE}; then enables TTL on the expiration attribute. An endpoint
     * without {@code UpdateTimeToLive} (emulators) gets a warning in the log, not an error: expiry never depends on
     * TTL, which only deletes old items.
     *
     * @return {@code true} when this call created the table, {@code false} when it existed already
     * @throws IdempotencyStoreException when the table cannot be created or described, does not become
     *                                   {@code ACTIVE} within {@link #DEFAULT_WAIT_TIMEOUT}, or exists with another
     *                                   key schema
     */
    public static boolean create(DynamoDbIdempotencyStore store) {
        Objects.requireNonNull(store, "store must not be null");
        DynamoDbClient client = store.client();
        TableLayout layout = store.layout();
        StoreFailures failures = store.failures();
        boolean created;
        try {
            client.createTable(b -> b.tableName(layout.tableName())
                    .billingMode(BillingMode.PAY_PER_REQUEST)
                    .keySchema(layout.keySchema())
                    .attributeDefinitions(layout.keyAttributeDefinitions()));
            created = true;
        } catch (ResourceInUseException e) {
            created = false;
        } catch (SdkException e) {
            throw failures.translate("create the table", "CreateTable", e);
        }
        checkKeySchema(awaitActive(client, layout, failures), layout, failures);
        String timeToLive = enableTimeToLive(client, layout, failures);
        if (created) {
            log.info("Created DynamoDB table '{}' at {} for idempotency records: key {}, {}",
                    layout.tableName(), failures.where(), layout.describeKeySchema(), timeToLive);
        }
        return created;
    }

    /** {@link #create(DynamoDbIdempotencyStore)} for a store with every default attribute name. */
    public static boolean create(DynamoDbClient client, String tableName) {
        return create(DynamoDbIdempotencyStore.builder().client(client).tableName(tableName).build());
    }

    /**
     * The status of the table {@code store} uses, from one {@code DescribeTable} (IAM: {@code dynamodb:DescribeTable})
     * that takes at most {@code timeout}, the SDK's retries included: for health checks. {@code ACTIVE} and
     * {@code UPDATING} tables serve reads and writes.
     *
     * @throws IdempotencyStoreException when the table does not exist, or cannot be described in time
     */
    public static TableStatus status(DynamoDbIdempotencyStore store, Duration timeout) {
        Objects.requireNonNull(store, "store must not be null");
        Objects.requireNonNull(timeout, "timeout must not be null");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, but was " + timeout);
        }
        TableLayout layout = store.layout();
        try {
            return store.client().describeTable(b -> b.tableName(layout.tableName())
                    .overrideConfiguration(o -> o.apiCallTimeout(timeout))).table().tableStatus();
        } catch (SdkException e) {
            throw store.failures().translate("describe the table", "DescribeTable", e);
        }
    }

    private static TableDescription awaitActive(DynamoDbClient client, TableLayout layout, StoreFailures failures) {
        WaiterResponse<DescribeTableResponse> response;
        try (DynamoDbWaiter waiter = DynamoDbWaiter.builder()
                .client(client)
                .overrideConfiguration(o -> o
                        .backoffStrategyV2(BackoffStrategy.fixedDelayWithoutJitter(POLL_INTERVAL))
                        .waitTimeout(DEFAULT_WAIT_TIMEOUT)
                        .maxAttempts((int) (DEFAULT_WAIT_TIMEOUT.toMillis() / POLL_INTERVAL.toMillis()) + 1))
                .build()) {
            response = waiter.waitUntilTableExists(b -> b.tableName(layout.tableName()));
        } catch (SdkClientException e) {
            throw new IdempotencyStoreException("DynamoDB table '" + layout.tableName() + "' at " + failures.where()
                    + " did not become ACTIVE within " + DEFAULT_WAIT_TIMEOUT.toMinutes() + " minutes ("
                    + e.getMessage() + "). Check the table's status, the endpoint or region, and the network.", e);
        } catch (SdkException e) {
            throw failures.translate("wait for the table to become ACTIVE", "DescribeTable", e);
        }
        return response.matched().response()
                .map(DescribeTableResponse::table)
                .orElseThrow(() -> new IdempotencyStoreException("DynamoDB table '" + layout.tableName() + "' at "
                        + failures.where() + " did not become ACTIVE", response.matched().exception().orElse(null)));
    }

    /** A table made elsewhere with another key would fail every request; say so now, plainly. */
    private static void checkKeySchema(TableDescription table, TableLayout layout, StoreFailures failures) {
        Map<String, ScalarAttributeType> types = new HashMap<>();
        for (AttributeDefinition definition : table.attributeDefinitions()) {
            types.put(definition.attributeName(), definition.attributeType());
        }
        String actual = table.keySchema().stream()
                .map(k -> k.attributeName() + " (" + types.get(k.attributeName()) + ", " + k.keyType() + ")")
                .collect(Collectors.joining(", "));
        if (!actual.equals(layout.describeKeySchema())) {
            throw new IdempotencyStoreException("DynamoDB table '" + layout.tableName() + "' at " + failures.where()
                    + " exists with key " + actual + ", but the store needs " + layout.describeKeySchema()
                    + ". Use another table, or set the store's key attributes (idAttribute, singleTable) to match.",
                    null);
        }
    }

    /** Enables TTL on the expiration attribute where it is off; says, for the log, what TTL the table has now. */
    private static String enableTimeToLive(DynamoDbClient client, TableLayout layout, StoreFailures failures) {
        String attribute = layout.expirationAttribute();
        TimeToLiveDescription current;
        try {
            current = client.describeTimeToLive(b -> b.tableName(layout.tableName())).timeToLiveDescription();
        } catch (SdkException e) {
            return warnOrThrowTimeToLive(e, "DescribeTimeToLive", layout, failures);
        }
        TimeToLiveStatus status = current == null ? null : current.timeToLiveStatus();
        if (status == TimeToLiveStatus.ENABLED || status == TimeToLiveStatus.ENABLING) {
            if (!attribute.equals(current.attributeName())) {
                log.warn("DynamoDB table '{}' at {} has TTL on attribute '{}', not on the store's expiration attribute"
                        + " '{}', so expired idempotency records are never deleted. They still expire correctly;"
                        + " point TTL at '{}' to keep the table small.", layout.tableName(), failures.where(),
                        current.attributeName(), attribute, attribute);
                return "TTL on '" + current.attributeName() + "', not on '" + attribute + "'";
            }
            return "TTL on '" + attribute + "'";
        }
        try {
            client.updateTimeToLive(b -> b.tableName(layout.tableName())
                    .timeToLiveSpecification(s -> s.attributeName(attribute).enabled(true)));
        } catch (SdkException e) {
            return warnOrThrowTimeToLive(e, "UpdateTimeToLive", layout, failures);
        }
        return "TTL on '" + attribute + "'";
    }

    /** An endpoint without TTL (dynalite) is logged and tolerated; any other failure is the caller's to fix. */
    private static String warnOrThrowTimeToLive(SdkException e, String operation, TableLayout layout,
            StoreFailures failures) {
        if (!(e instanceof DynamoDbException service) || service.awsErrorDetails() == null
                || !"UnknownOperationException".equals(service.awsErrorDetails().errorCode())) {
            throw failures.translate("enable TTL on the table", operation, e);
        }
        log.warn("DynamoDB at {} does not support {}, so TTL is not enabled on table '{}' and expired"
                + " idempotency records stay until something deletes them. They still expire correctly; enable TTL"
                + " on attribute '{}' where the endpoint supports it.", failures.where(), operation,
                layout.tableName(), layout.expirationAttribute());
        return "no TTL (the endpoint does not support it)";
    }
}

package dev.idempotency.dynamodb.spring;

import java.net.URI;
import java.time.Duration;

import dev.idempotency.dynamodb.DynamoDbIdempotencyStore;
import dev.idempotency.dynamodb.DynamoDbIdempotencyTable;
import dev.idempotency.spring.IdempotencyStoreProvider;
import dev.idempotency.spring.IdempotencyStoreProviderContext;
import dev.idempotency.store.IdempotencyStore;

import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;

/**
 * {@code idempotency.store.type=dynamodb} in Spring, from the {@code idempotency.dynamodb.*} properties: the store
 * on the application's {@link DynamoDbClient} bean, or on a client made from the properties. Found through this
 * module's {@code META-INF/spring.factories}; applications do not use it directly.
 */
public final class DynamoDbStoreProvider implements IdempotencyStoreProvider {

    /**
     * How long one request of the client made from the properties may take; without a bound, an endpoint that
     * accepts connections and never answers holds each attempt for the HTTP client's 30 s read timeout.
     */
    static final Duration API_CALL_ATTEMPT_TIMEOUT = Duration.ofSeconds(2);
    /**
     * How long one call of that client may take, its retries included; without a bound, DynamoDB's 9 attempts held
     * the startup (create-table) for 4.5 minutes, and would hold each idempotent call for longer, since the engine
     * retries store operations itself.
     */
    static final Duration API_CALL_TIMEOUT = Duration.ofSeconds(5);

    static final String TABLE_NAME = "idempotency.dynamodb.table-name";
    static final String REGION = "idempotency.dynamodb.region";
    static final String ENDPOINT = "idempotency.dynamodb.endpoint";
    static final String CREATE_TABLE = "idempotency.dynamodb.create-table";

    @Override
    public String type() {
        return "dynamodb";
    }

    /**
     * The store on the application's {@link DynamoDbClient} bean (then region and endpoint are not read), or on a
     * client made from the properties, closed with the context; creates the table first when asked to.
     */
    @Override
    public IdempotencyStore create(IdempotencyStoreProviderContext context) {
        String tableName = context.requiredText(TABLE_NAME);
        String region = context.text(REGION);
        URI endpoint = context.uri(ENDPOINT, "http://localhost:8000");
        boolean createTable = context.bool(CREATE_TABLE, false);
        DynamoDbClient client = context.beans(DynamoDbClient.class).getIfAvailable(() -> {
            DynamoDbClient made = newClient(region, endpoint);
            context.closeOnShutdown(made);
            return made;
        });
        DynamoDbIdempotencyStore store = DynamoDbIdempotencyStore.builder().client(client).tableName(tableName).build();
        if (createTable) {
            DynamoDbIdempotencyTable.create(store);
        }
        return store;
    }

    /**
     * A client with the SDK's default credentials, the region and endpoint of the properties where set, and bounded
     * requests. An application that needs other settings defines its own DynamoDbClient bean.
     */
    private static DynamoDbClient newClient(String region, URI endpoint) {
        DynamoDbClientBuilder builder = DynamoDbClient.builder()
                .overrideConfiguration(o -> o.apiCallAttemptTimeout(API_CALL_ATTEMPT_TIMEOUT)
                        .apiCallTimeout(API_CALL_TIMEOUT));
        if (region != null) {
            builder.region(Region.of(region));
        }
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        try {
            return builder.build();
        } catch (SdkClientException e) {
            if (region == null && String.valueOf(e.getMessage()).startsWith("Unable to load region")) {
                // The SDK's message is kept whole; its exception is not chained, so that a startup failure's root
                // cause names the property to set rather than the SDK's provider chain.
                throw new IllegalStateException("No AWS region for the DynamoDB store: set " + REGION + " (such as"
                        + " eu-west-1), or AWS_REGION, or define a DynamoDbClient bean (" + e.getMessage() + ")");
            }
            throw e;
        }
    }
}

package dev.idempotency.spring;

import java.net.URI;
import java.time.Duration;
import java.util.function.Consumer;

import org.springframework.beans.factory.BeanFactory;

import dev.idempotency.dynamodb.DynamoDbIdempotencyStore;
import dev.idempotency.dynamodb.DynamoDbIdempotencyTable;
import dev.idempotency.store.IdempotencyStore;

import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;

/**
 * The DynamoDB store from the {@code idempotency.dynamodb.*} properties. The only class that names DynamoDB types,
 * loaded only with {@code idempotency.store.type=dynamodb}, so that a memory-only application needs no AWS SDK.
 */
final class DynamoDbStores {

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

    private DynamoDbStores() {
    }

    /**
     * The store on the application's {@link DynamoDbClient} bean, or on a client made from the properties (handed
     * to {@code opened}, to be closed at shutdown); creates the table first when asked to.
     */
    static IdempotencyStore create(IdempotencyProperties.DynamoDb properties, BeanFactory beanFactory,
            Consumer<AutoCloseable> opened) {
        String tableName = properties.getTableName();
        if (tableName == null || tableName.isBlank()) {
            throw new IllegalStateException("Missing property idempotency.dynamodb.table-name: it is required with"
                    + " idempotency.store.type=dynamodb");
        }
        DynamoDbClient client = beanFactory.getBeanProvider(DynamoDbClient.class).getIfAvailable(() -> {
            DynamoDbClient made = newClient(properties);
            opened.accept(made);
            return made;
        });
        DynamoDbIdempotencyStore store = DynamoDbIdempotencyStore.builder().client(client).tableName(tableName).build();
        if (properties.isCreateTable()) {
            DynamoDbIdempotencyTable.create(store);
        }
        return store;
    }

    /**
     * A client with the SDK's default credentials, the region and endpoint of the properties where set, and bounded
     * requests. An application that needs other settings defines its own DynamoDbClient bean.
     */
    private static DynamoDbClient newClient(IdempotencyProperties.DynamoDb properties) {
        DynamoDbClientBuilder builder = DynamoDbClient.builder()
                .overrideConfiguration(o -> o.apiCallAttemptTimeout(API_CALL_ATTEMPT_TIMEOUT)
                        .apiCallTimeout(API_CALL_TIMEOUT));
        String region = properties.getRegion();
        if (region != null) {
            builder.region(Region.of(region));
        }
        URI endpoint = properties.getEndpoint();
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return builder.build();
    }
}

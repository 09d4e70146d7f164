package dev.idempotency.spring;

import java.net.URI;
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

    /** A client with the SDK's default credentials, and the region and endpoint of the properties where set. */
    private static DynamoDbClient newClient(IdempotencyProperties.DynamoDb properties) {
        DynamoDbClientBuilder builder = DynamoDbClient.builder();
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

package dev.idempotency.dynamodb.testing;

import java.net.URI;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

import dev.idempotency.dynamodb.DynamoDbIdempotencyStore;
import dev.idempotency.dynamodb.DynamoDbIdempotencyTable;

import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

/**
 * The DynamoDB endpoint tests run against, as {@link DynaliteExtension} injects it: the dynalite it started, or the
 * endpoint named by {@value DynaliteExtension#ENDPOINT_PROPERTY}. Tables get random names, so tests share one
 * endpoint without cleaning up between them.
 */
public final class TestDynamoDb implements AutoCloseable {

    /** Enough connections for the contract suite's 64 racing threads. */
    private static final int MAX_CONNECTIONS = 128;

    private final URI endpoint;
    private final @Nullable DynaliteProcess dynalite;
    private final DynamoDbClient client;
    private final Set<String> tablesToDelete = ConcurrentHashMap.newKeySet();

    TestDynamoDb(URI endpoint, @Nullable DynaliteProcess dynalite) {
        this.endpoint = endpoint;
        this.dynalite = dynalite;
        this.client = clientBuilder().build();
    }

    public URI endpoint() {
        return endpoint;
    }

    /**
     * Whether the endpoint is the dynalite this JVM started. Where it is, a failed condition never carries the old
     * item ({@code ReturnValuesOnConditionCheckFailure} is ignored) and TTL cannot be enabled.
     */
    public boolean isDynalite() {
        return dynalite != null;
    }

    /** A client shared by every test; closed when the test run ends. */
    public DynamoDbClient client() {
        return client;
    }

    /**
     * A client builder set up for the endpoint, for a test that needs its own interceptors or timeouts. For dynalite:
     * region us-east-1 and dummy credentials (dynalite checks no signature); for any other endpoint, the SDK's
     * default region and credentials. The test closes the client it builds.
     */
    public DynamoDbClientBuilder clientBuilder() {
        DynamoDbClientBuilder builder = dynalite != null
                ? dynalite.clientBuilder()
                : DynamoDbClient.builder().endpointOverride(endpoint);
        return builder.httpClientBuilder(Apache5HttpClient.builder().maxConnections(MAX_CONNECTIONS));
    }

    /** A fresh table name that no table has yet; a table made with it is deleted at the end on shared endpoints. */
    public String newTableName() {
        String name = "idempotency-test-" + UUID.randomUUID();
        tablesToDelete.add(name);
        return name;
    }

    /** Creates a table with a fresh name and the store's default schema, and returns its name. */
    public String createTable() {
        String name = newTableName();
        DynamoDbIdempotencyTable.create(client, name);
        return name;
    }

    /** Creates the table {@code store} is configured for (its name, key schema and TTL attribute). */
    public DynamoDbIdempotencyStore createTable(DynamoDbIdempotencyStore store) {
        DynamoDbIdempotencyTable.create(store);
        tablesToDelete.add(store.tableName());
        return store;
    }

    /** Deletes the tables made on a shared endpoint (dynalite's vanish with it), then stops dynalite. */
    @Override
    public void close() {
        try (client) {
            if (dynalite == null) {
                for (String table : tablesToDelete) {
                    deleteIfExists(table);
                }
            }
        } finally {
            if (dynalite != null) {
                dynalite.close();
            }
        }
    }

    private void deleteIfExists(String table) {
        try {
            client.deleteTable(b -> b.tableName(table));
        } catch (ResourceNotFoundException e) {
            // Named by newTableName() but never created, as the tests of a missing table do.
        }
    }
}

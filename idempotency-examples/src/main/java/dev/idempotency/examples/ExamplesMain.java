package dev.idempotency.examples;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.core.env.MapPropertySource;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;

import dev.idempotency.dynamodb.DynamoDbIdempotencyStore;
import dev.idempotency.dynamodb.DynamoDbIdempotencyTable;
import dev.idempotency.store.InMemoryIdempotencyStore;

/**
 * Tells the payment story twice: with the programmatic API, then through Spring. On the embedded in-memory store by
 * default; on DynamoDB with {@code -Dexample.store=dynamodb}, against a local dynalite the example starts, or the
 * endpoint {@code -Dexample.dynamodb.endpoint=URL} names (with the AWS SDK's default credentials and region).
 */
public final class ExamplesMain {

    private ExamplesMain() {
    }

    public static void main(String[] args) throws Exception {
        String store = System.getProperty("example.store", "memory");
        switch (store) {
            case "memory" -> tell(null, System.out);
            case "dynamodb" -> {
                String endpoint = System.getProperty("example.dynamodb.endpoint");
                if (endpoint != null) {
                    tell(DynamoDbClient.builder().endpointOverride(URI.create(endpoint)), System.out);
                } else {
                    try (LocalDynalite dynalite = LocalDynalite.start(
                            Path.of(System.getProperty("example.dynalite.home", "target/dynalite")))) {
                        System.out.println("Started a local dynalite at " + dynalite.endpoint());
                        tell(DynamoDbClient.builder().endpointOverride(dynalite.endpoint()).region(Region.US_EAST_1)
                                .credentialsProvider(StaticCredentialsProvider.create(
                                        AwsBasicCredentials.create("local", "local"))), System.out);
                    }
                }
            }
            default -> throw new IllegalArgumentException(
                    "example.store must be memory or dynamodb, but was '" + store + "'");
        }
    }

    /** Tells both stories, on DynamoDB when a client builder is given, else in memory. */
    static void tell(DynamoDbClientBuilder dynamoDb, PrintStream out) throws Exception {
        if (dynamoDb == null) {
            PaymentGateway gateway = new PaymentGateway();
            new PaymentStory(new ProgrammaticPayments(InMemoryIdempotencyStore.create(), gateway), gateway, out)
                    .tell("Programmatic API, in-memory store");
            tellWithSpring(Map.of(), null, out);
            return;
        }
        try (DynamoDbClient client = dynamoDb.build()) {
            String table = "idempotency-example-" + System.currentTimeMillis();
            DynamoDbIdempotencyStore store =
                    DynamoDbIdempotencyStore.builder().client(client).tableName(table).build();
            DynamoDbIdempotencyTable.create(store);
            PaymentGateway gateway = new PaymentGateway();
            new PaymentStory(new ProgrammaticPayments(store, gateway), gateway, out)
                    .tell("Programmatic API, DynamoDB table " + table);
            // A table of its own, so the Spring story starts fresh; Spring creates it from a property.
            tellWithSpring(Map.of("idempotency.store.type", "dynamodb",
                    "idempotency.dynamodb.table-name", table + "-spring",
                    "idempotency.dynamodb.create-table", "true"), client, out);
        }
    }

    /** Spring reads the store from properties, and uses the application's own DynamoDbClient bean when there is one. */
    private static void tellWithSpring(Map<String, Object> properties, DynamoDbClient client, PrintStream out)
            throws Exception {
        try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
            context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("example", properties));
            if (client != null) {
                context.registerBean(DynamoDbClient.class, () -> client, bean -> bean.setDestroyMethodName(""));
            }
            context.register(SpringPaymentsConfiguration.class);
            context.refresh();
            new PaymentStory(context.getBean(Payments.class), context.getBean(PaymentGateway.class), out)
                    .tell("Spring @Idempotent, " + (client == null ? "in-memory store"
                            : "DynamoDB table " + properties.get("idempotency.dynamodb.table-name")));
        }
    }
}

package dev.idempotency.benchmarks;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.benchmarks.Fixtures.Receipt;
import dev.idempotency.dynamodb.DynamoDbIdempotencyStore;
import dev.idempotency.dynamodb.DynamoDbIdempotencyTable;
import dev.idempotency.examples.LocalDynalite;

/**
 * The DynamoDB store on dynalite with 8 threads: first calls and duplicates per second, beside the floor, which is
 * the same requests sent raw to the same server in the same run (the claim PutItem with its three-clause condition,
 * then the completing UpdateItem), and beside plain one-clause conditional puts. The aux counter
 * {@code storeRequests} counts HTTP requests, so requests per call = storeRequests / score.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
// dynalite (node) warms up more slowly than the JVM: throughput still climbs through the first ten seconds.
@Warmup(iterations = 4, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(1)
@Threads(8)
public class DynamoDbBenchmark {

    /** The synchronous client sends on the caller's thread, so each thread counts its own requests. */
    private static final ThreadLocal<Requests> CURRENT = new ThreadLocal<>();

    /** A SHA-256 in hex, as the engine writes. */
    private static final String FINGERPRINT = "0123456789abcdef".repeat(4);
    private static final SdkBytes RESULT = SdkBytes.fromUtf8String("{\"orderId\":\"order-0001\",\"amountCents\":2500}");

    /** One dynalite, table, client and engine for every thread. */
    @State(Scope.Benchmark)
    public static class Server {
        LocalDynalite dynalite;
        DynamoDbClient client;
        String table;
        IdempotentOperation<Receipt> firstCalls;
        IdempotentOperation<Receipt> duplicates;
        final AtomicLong threads = new AtomicLong();

        @Setup
        public void setUp() throws Exception {
            dynalite = LocalDynalite.start(Path.of(System.getProperty("dynalite.home", "benchmarks/target/dynalite")));
            client = DynamoDbClient.builder()
                    .endpointOverride(dynalite.endpoint())
                    .region(Region.US_EAST_1)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("b", "b")))
                    .httpClientBuilder(Apache5HttpClient.builder().maxConnections(16))
                    .overrideConfiguration(c -> c.addExecutionInterceptor(new ExecutionInterceptor() {
                        @Override
                        public void beforeTransmission(Context.BeforeTransmission context,
                                ExecutionAttributes attributes) {
                            Requests requests = CURRENT.get();
                            if (requests != null) {
                                requests.storeRequests++;
                            }
                        }
                    }))
                    .build();
            table = "bench-" + UUID.randomUUID();
            DynamoDbIdempotencyStore store = DynamoDbIdempotencyStore.builder().client(client).tableName(table).build();
            DynamoDbIdempotencyTable.create(store);
            firstCalls = Idempotency.builder().store(store).build()
                    .operation("bench.dynamodb.first", Receipt.class).build();
            duplicates = Idempotency.builder().store(store)
                    .config(IdempotencyConfig.builder().localCacheEnabled(false).ttl(Duration.ofHours(1)).build())
                    .build().operation("bench.dynamodb.duplicate", Receipt.class).build();
            for (int key = 0; key < 64; key++) {
                duplicates.execute(key, Fixtures.ORDER, () -> Fixtures.charge(Fixtures.ORDER));
            }
        }

        @TearDown
        public void tearDown() throws Exception {
            client.close();
            dynalite.close();
        }
    }

    /** Each thread's own key range. */
    @State(Scope.Thread)
    public static class Keys {
        long next;
        int hot;

        @Setup
        public void setUp(Server server) {
            next = server.threads.incrementAndGet() << 40;
        }
    }

    /** HTTP requests this thread sent during the iteration, reported beside its calls per second. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Requests {
        public long storeRequests;

        @Setup(Level.Iteration)
        public void start() {
            storeRequests = 0;
            CURRENT.set(this);
        }
    }

    @Benchmark
    public Receipt firstCalls(Server server, Keys keys, Requests requests) {
        return server.firstCalls.execute(keys.next++, Fixtures.ORDER, () -> Fixtures.charge(Fixtures.ORDER));
    }

    @Benchmark
    public Receipt duplicatesFromStore(Server server, Keys keys, Requests requests) {
        keys.hot = (keys.hot + 1) & 63;
        return server.duplicates.execute(keys.hot, Fixtures.ORDER, () -> Fixtures.charge(Fixtures.ORDER));
    }

    @Benchmark
    public Object rawClaimThenComplete(Server server, Keys keys, Requests requests) {
        String id = "raw#" + keys.next++;
        long nowMillis = System.currentTimeMillis();
        long nowSeconds = nowMillis / 1000;
        String token = UUID.randomUUID().toString();
        server.client.putItem(PutItemRequest.builder()
                .tableName(server.table)
                .item(Map.of(
                        "id", AttributeValue.fromS(id),
                        "status", AttributeValue.fromS("IN_PROGRESS"),
                        "fingerprint", AttributeValue.fromS(FINGERPRINT),
                        "claim_token", AttributeValue.fromS(token),
                        "expiration", AttributeValue.fromN(Long.toString(nowSeconds + 86_400)),
                        "lease_expiration", AttributeValue.fromN(Long.toString(nowMillis + 60_000))))
                .conditionExpression("attribute_not_exists(#id) OR #expiration <= :nowSeconds"
                        + " OR (#status = :inProgress AND #lease <= :nowMillis)")
                .expressionAttributeNames(Map.of("#id", "id", "#expiration", "expiration", "#status", "status",
                        "#lease", "lease_expiration"))
                .expressionAttributeValues(Map.of(":nowSeconds", AttributeValue.fromN(Long.toString(nowSeconds)),
                        ":nowMillis", AttributeValue.fromN(Long.toString(nowMillis)),
                        ":inProgress", AttributeValue.fromS("IN_PROGRESS")))
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                .build());
        return server.client.updateItem(UpdateItemRequest.builder()
                .tableName(server.table)
                .key(Map.of("id", AttributeValue.fromS(id)))
                .updateExpression("SET #status = :status, #expiration = :expiration, #result = :result"
                        + " REMOVE #lease")
                .conditionExpression("#claimToken = :claimToken AND #status = :inProgress")
                .expressionAttributeNames(Map.of("#status", "status", "#expiration", "expiration",
                        "#result", "result", "#lease", "lease_expiration", "#claimToken", "claim_token"))
                .expressionAttributeValues(Map.of(":status", AttributeValue.fromS("COMPLETED"),
                        ":expiration", AttributeValue.fromN(Long.toString(nowSeconds + 86_400)),
                        ":result", AttributeValue.fromB(RESULT),
                        ":claimToken", AttributeValue.fromS(token),
                        ":inProgress", AttributeValue.fromS("IN_PROGRESS")))
                .build());
    }

    @Benchmark
    public Object rawPlainPut(Server server, Keys keys, Requests requests) {
        return server.client.putItem(PutItemRequest.builder()
                .tableName(server.table)
                .item(Map.of("id", AttributeValue.fromS("plain#" + keys.next++),
                        "status", AttributeValue.fromS("COMPLETED")))
                .conditionExpression("attribute_not_exists(id)")
                .build());
    }
}

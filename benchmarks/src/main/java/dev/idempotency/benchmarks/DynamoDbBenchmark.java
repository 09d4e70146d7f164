package dev.idempotency.benchmarks;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
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
 * The DynamoDB store on dynalite with 8 threads. First calls run side by side with the floor, in one group of 4 + 4
 * threads against the same server at the same time, so both see the same warm-up and the same load: the floor is the
 * same requests sent raw (the claim PutItem with its three-clause condition, then the completing UpdateItem). Beside
 * them: duplicates from the store, and plain one-clause conditional puts. The aux counter {@code storeRequests}
 * counts HTTP requests, so requests per call = storeRequests / score.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
// dynalite (node) warms up more slowly than the JVM: throughput still climbs through the first fifteen seconds.
@Warmup(iterations = 5, time = 3)
@Measurement(iterations = 4, time = 3)
@Fork(1)
@Threads(8)
public class DynamoDbBenchmark {

    /** The synchronous client sends on the caller's thread, so each thread counts its own requests. */
    private static final ThreadLocal<Requests> CURRENT = new ThreadLocal<>();

    private static final HexFormat HEX = HexFormat.of();

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
    @Group("firstCallsBesideRaw")
    @GroupThreads(4)
    public Receipt firstCalls(Server server, Keys keys, Requests requests) {
        return server.firstCalls.execute(keys.next++, Fixtures.ORDER, () -> Fixtures.charge(Fixtures.ORDER));
    }

    @Benchmark
    public Receipt duplicatesFromStore(Server server, Keys keys, Requests requests) {
        keys.hot = (keys.hot + 1) & 63;
        return server.duplicates.execute(keys.hot, Fixtures.ORDER, () -> Fixtures.charge(Fixtures.ORDER));
    }

    @Benchmark
    @Group("firstCallsBesideRaw")
    @GroupThreads(4)
    public Object rawClaimThenComplete(Server server, Requests requests) {
        String id = recordIdLikeTheEngines();
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

    /**
     * An id shaped as the engine writes them, {@code namespace#<64 hex digits>}: random, so items spread over the
     * table as hashed keys do, where sequential ids would insert more cheaply than any real first call.
     */
    private static String recordIdLikeTheEngines() {
        byte[] hash = new byte[32];
        ThreadLocalRandom.current().nextBytes(hash);
        return "bench.dynamodb.raw#" + HEX.formatHex(hash);
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

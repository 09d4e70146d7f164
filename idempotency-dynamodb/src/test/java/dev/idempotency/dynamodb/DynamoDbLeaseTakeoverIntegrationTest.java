package dev.idempotency.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotencyInProgressException;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.dynamodb.testing.DynaliteExtension;
import dev.idempotency.dynamodb.testing.TestDynamoDb;
import dev.idempotency.testing.Hashes;
import dev.idempotency.testing.MutableClock;
import dev.idempotency.testing.RecordingListener;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * An owner that dies mid-call, through the engine against a live server: once its lease runs out the next call runs
 * the body, and the late owner, when it comes back after all, is fenced out by its claim token. Time moves on a
 * {@link MutableClock}; the "dead" owner is a call whose body is held on a latch.
 */
@ExtendWith(DynaliteExtension.class)
class DynamoDbLeaseTakeoverIntegrationTest {

    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final String KEY = "order-1";
    private static final String PAYLOAD = "capture 10 EUR";

    private static TestDynamoDb dynamoDb;
    private static String table;

    private final MutableClock clock = MutableClock.startingNow();
    private final RecordingListener listener = new RecordingListener();
    private final ExecutorService owners = Executors.newFixedThreadPool(2);
    private final AtomicInteger runs = new AtomicInteger();
    private IdempotentOperation<String> operation;
    private String recordId;

    @BeforeAll
    static void createTable(TestDynamoDb testDynamoDb) {
        dynamoDb = testDynamoDb;
        table = dynamoDb.createTable();
    }

    @BeforeEach
    void buildOperation() {
        String namespace = "payments.capture." + UUID.randomUUID();
        recordId = namespace + "#" + Hashes.sha256(KEY);
        operation = Idempotency.builder()
                .store(DynamoDbIdempotencyStore.builder().client(dynamoDb.client()).tableName(table).build())
                .config(IdempotencyConfig.builder().clock(clock).lease(LEASE).localCacheEnabled(false).build())
                .listener(listener)
                .build()
                .operation(namespace, String.class)
                .build();
    }

    @AfterEach
    void stopOwners() {
        owners.shutdownNow();
    }

    @Test
    void runsTheNextCallOnceTheLeaseRunsOutAndKeepsTheLateOwnerFromOverwritingItsRecord() throws Exception {
        HeldCall lateOwner = hold(() -> run("the late owner's result"));
        clock.advance(LEASE.plusSeconds(1));

        assertThat(operation.execute(KEY, PAYLOAD, () -> run("the new owner's result")))
                .isEqualTo("the new owner's result");
        Map<String, AttributeValue> newRecord = item();

        assertThat(lateOwner.comeBack()).as("the late owner's caller still gets what its body returned")
                .isEqualTo("the late owner's result");

        assertThat(item()).isEqualTo(newRecord);
        assertThat(newRecord.get("status").s()).isEqualTo("COMPLETED");
        assertThat(operation.execute(KEY, PAYLOAD, () -> run("a third run"))).isEqualTo("the new owner's result");
        assertThat(runs).hasValue(2);
        assertThat(listener.count("lease lost")).isEqualTo(1);
    }

    @Test
    void keepsALateOwnerWhoseBodyFailedFromDeletingTheRecordOfTheCallThatTookOver() throws Exception {
        HeldCall lateOwner = hold(() -> {
            throw new IllegalStateException("the late owner's body failed");
        });
        clock.advance(LEASE.plusSeconds(1));
        HeldCall newOwner = hold(() -> run("the new owner's result"));
        Map<String, AttributeValue> newClaim = item();

        assertThatThrownBy(lateOwner::comeBack).hasRootCauseMessage("the late owner's body failed");

        assertThat(item()).isEqualTo(newClaim);
        assertThat(newClaim.get("status").s()).isEqualTo("IN_PROGRESS");
        assertThatThrownBy(() -> operation.execute(KEY, PAYLOAD, () -> run("a duplicate")))
                .isInstanceOf(IdempotencyInProgressException.class);
        assertThat(newOwner.comeBack()).isEqualTo("the new owner's result");
        assertThat(operation.execute(KEY, PAYLOAD, () -> run("a third run"))).isEqualTo("the new owner's result");
        assertThat(runs).hasValue(1);
        assertThat(listener.count("lease lost")).isEqualTo(1);
    }

    /** Starts a call whose body runs until {@link HeldCall#comeBack()}; returns once the call owns the key. */
    private HeldCall hold(Supplier<String> body) throws InterruptedException {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Future<String> call = owners.submit(() -> operation.execute(KEY, PAYLOAD, () -> {
            running.countDown();
            release.await();
            return body.get();
        }));
        assertThat(running.await(10, TimeUnit.SECONDS)).as("the held call runs its body").isTrue();
        return new HeldCall(call, release);
    }

    private String run(String result) {
        runs.incrementAndGet();
        return result;
    }

    private Map<String, AttributeValue> item() {
        return dynamoDb.client()
                .getItem(b -> b.tableName(table).key(Map.of("id", AttributeValue.fromS(recordId))).consistentRead(true))
                .item();
    }

    /** A call held inside its body. */
    private record HeldCall(Future<String> call, CountDownLatch release) {

        /** Lets the body finish, and returns what the caller gets. */
        String comeBack() throws InterruptedException, ExecutionException, TimeoutException {
            release.countDown();
            return call.get(10, TimeUnit.SECONDS);
        }
    }
}

package dev.idempotency.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

import dev.idempotency.Idempotency;
import dev.idempotency.dynamodb.DynamoDbIdempotencyStore;
import dev.idempotency.dynamodb.testing.DynaliteExtension;
import dev.idempotency.dynamodb.testing.RequestCounter;
import dev.idempotency.dynamodb.testing.TestDynamoDb;
import dev.idempotency.spring.web.PaymentsApp.Gate;
import dev.idempotency.spring.web.testing.WebApp;
import dev.idempotency.spring.web.testing.Wire;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Idempotent endpoints on DynamoDB ({@code idempotency.store.type=dynamodb}, against dynalite), with the requests each
 * HTTP call sends to it counted: the floor of the method-level path, and no more.
 */
@ExtendWith(DynaliteExtension.class)
class DynamoDbEndpointIntegrationTest {

    private static final String PAYMENT = "{\"card\":\"4242\",\"amount\":1000}";

    private static TestDynamoDb dynamoDb;
    private static WebApp app;
    private static Gate gate;
    private static RequestCounter requests;

    @BeforeAll
    static void start(TestDynamoDb testDynamoDb) {
        dynamoDb = testDynamoDb;
        String table = dynamoDb.createTable();
        app = WebApp.start(Map.of("idempotency.store.type", "dynamodb",
                "idempotency.dynamodb.table-name", table,
                "idempotency.local-cache.enabled", "false"), DynamoApp.class);
        gate = app.bean(Gate.class);
        requests = app.bean(RequestCounter.class);
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @BeforeEach
    void reset() {
        gate.reset();
        requests.reset();
    }

    @Test
    void storesTheFirstResponseInTwoWritesAndReplaysItByteForByte() {
        String key = UUID.randomUUID().toString();

        HttpResponse<byte[]> first = app.post("/payments", key, PAYMENT);
        Map<String, Integer> firstRequests = requests.counts();
        requests.reset();
        HttpResponse<byte[]> replay = app.post("/payments", key, PAYMENT);

        assertThat(app.bean(Idempotency.class).store()).isInstanceOf(DynamoDbIdempotencyStore.class);
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(firstRequests).isEqualTo(Map.of("PutItem", 1, "UpdateItem", 1));
        assertThat(replay.statusCode()).isEqualTo(201);
        assertThat(replay.body()).isEqualTo(first.body());
        assertThat(replay.headers().firstValue("Location")).isEqualTo(first.headers().firstValue("Location"));
        assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        // dynalite ignores ReturnValuesOnConditionCheckFailure: the failed claim and one read (1 on DynamoDB).
        assertThat(requests.counts()).isEqualTo(dynamoDb.isDynalite() ? Map.of("PutItem", 1, "GetItem", 1)
                : Map.of("PutItem", 1));
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void refusesTheKeyWithAnotherBodyAndAMissingKeyWithoutWriting() {
        String key = UUID.randomUUID().toString();
        app.post("/payments", key, PAYMENT);
        requests.reset();

        HttpResponse<byte[]> mismatch = app.post("/payments", key, "{\"card\":\"4242\",\"amount\":1}");
        Map<String, Integer> mismatchRequests = requests.counts();
        requests.reset();
        HttpResponse<byte[]> missing = app.post("/payments", null, PAYMENT);

        Wire.assertProblem(mismatch, 422, "Idempotency key reused");
        assertThat(mismatchRequests).doesNotContainKeys("UpdateItem", "DeleteItem");
        Wire.assertProblem(missing, 400, "Invalid idempotency key");
        assertThat(requests.counts()).isEmpty();
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void releasesA5xxWithOneDelete() {
        String key = UUID.randomUUID().toString();

        HttpResponse<byte[]> failed = app.post("/flaky", key, PAYMENT);
        Map<String, Integer> failedRequests = requests.counts();
        HttpResponse<byte[]> retried = app.post("/flaky", key, PAYMENT);

        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(failedRequests).isEqualTo(Map.of("PutItem", 1, "DeleteItem", 1));
        assertThat(retried.statusCode()).isEqualTo(201);
        assertThat(gate.runs()).isEqualTo(2);
    }

    @Test
    void runsTheHandlerOnceFor32ConcurrentClientsWithOneKey() throws Exception {
        String key = UUID.randomUUID().toString();
        gate.close();
        ExecutorService clients = Executors.newFixedThreadPool(32);
        List<CompletableFuture<HttpResponse<byte[]>>> calls = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            calls.add(CompletableFuture.supplyAsync(() -> app.post("/payments", key, PAYMENT), clients));
        }
        assertThat(gate.awaitEntered()).isTrue();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (calls.stream().filter(CompletableFuture::isDone).count() < 31 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        gate.open();
        List<Integer> statuses = new ArrayList<>();
        for (CompletableFuture<HttpResponse<byte[]>> call : calls) {
            statuses.add(call.get(20, TimeUnit.SECONDS).statusCode());
        }
        clients.shutdown();

        assertThat(statuses).containsOnly(201, 409).filteredOn(s -> s == 201).hasSize(1);
        HttpResponse<byte[]> conflict = calls.stream().map(CompletableFuture::join)
                .filter(r -> r.statusCode() == 409).findFirst().orElseThrow();
        assertThat(conflict.headers().firstValue("Retry-After")).isPresent();
        assertThat(gate.runs()).isEqualTo(1);
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import({ PaymentsApp.Payments.class, PaymentsApp.Ledger.class })
    static class DynamoApp {

        @Bean
        Gate gate() {
            return new Gate();
        }

        @Bean
        RequestCounter requestCounter() {
            return new RequestCounter();
        }

        @Bean
        DynamoDbClient dynamoDbClient(RequestCounter counter) {
            return dynamoDb.clientBuilder().overrideConfiguration(o -> o.addExecutionInterceptor(counter)).build();
        }
    }
}

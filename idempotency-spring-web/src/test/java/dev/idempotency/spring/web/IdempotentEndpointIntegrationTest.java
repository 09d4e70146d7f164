package dev.idempotency.spring.web;

import static dev.idempotency.spring.web.testing.Wire.assertProblem;
import static dev.idempotency.spring.web.testing.Wire.newKey;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.idempotency.spring.web.PaymentsApp.Gate;
import dev.idempotency.spring.web.testing.SwitchableStore;
import dev.idempotency.spring.web.testing.WebApp;
import dev.idempotency.testing.CountingIdempotencyStore;

import tools.jackson.databind.JsonNode;

/**
 * Idempotent endpoints on a real Tomcat, asserted on the wire with the JDK's HTTP client: first calls and
 * byte-identical replays, the IETF draft's answers as problem details, released 5xx and exceptions, scoping by
 * principal, a store that is down, and 32 concurrent clients with one key. The local cache is off, so that every
 * replay is counted at the store.
 */
class IdempotentEndpointIntegrationTest {

    private static final String PAYMENT = "{\"card\":\"4242\",\"amount\":1000}";

    private static WebApp app;
    private static Gate gate;
    private static CountingIdempotencyStore store;

    @BeforeAll
    static void start() {
        app = WebApp.start(Map.of("idempotency.local-cache.enabled", "false",
                "idempotency.web.max-request-bytes", "4096",
                "idempotency.web.max-response-bytes", "2048"), PaymentsApp.class);
        gate = app.bean(Gate.class);
        store = app.bean(CountingIdempotencyStore.class);
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @BeforeEach
    void reset() {
        gate.reset();
        app.bean(SwitchableStore.class).down(false);
        store.reset();
    }

    @Test
    void replaysTheFirstResponseByteForByteWithItsStatusAndHeaders() {
        String key = newKey();

        HttpResponse<byte[]> first = app.post("/payments", key, PAYMENT);
        assertThat(store.claims()).isEqualTo(1);
        assertThat(store.completes()).isEqualTo(1);
        assertThat(store.total()).isEqualTo(2);
        store.reset();
        HttpResponse<byte[]> replay = app.post("/payments", key, PAYMENT);

        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(replay.statusCode()).isEqualTo(201);
        assertThat(replay.body()).isEqualTo(first.body());
        assertThat(WebApp.text(replay)).isEqualTo("{\"id\":\"pay-1\",\"card\":\"4242\",\"amount\":1000,\"run\":1}");
        assertThat(replay.headers().firstValue("Location")).isEqualTo(first.headers().firstValue("Location"))
                .hasValue("/payments/pay-1");
        assertThat(replay.headers().firstValue("Content-Type")).isEqualTo(first.headers().firstValue("Content-Type"));
        assertThat(replay.headers().firstValue("Content-Length")).hasValue(Integer.toString(first.body().length));
        assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        // Cookies and headers outside the allow-list belong to the first response only.
        assertThat(first.headers().firstValue("Set-Cookie")).hasValue("session=secret-1");
        assertThat(replay.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(replay.headers().firstValue("X-Run")).isEmpty();
        assertThat(gate.runs()).isEqualTo(1);
        // The in-memory store hands back the record with the failed claim: one request.
        assertThat(store.total()).isEqualTo(1);
    }

    @Test
    void takesAQuotedAndAnUnquotedKeyForTheSameKey() {
        String key = newKey();

        HttpResponse<byte[]> first = app.post("/payments", "\"" + key + "\"", PAYMENT);
        HttpResponse<byte[]> replay = app.post("/payments", key, PAYMENT);

        assertThat(replay.body()).isEqualTo(first.body());
        assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void refusesTheKeyWithAnotherBodyOnAnotherRouteOrWithAnotherQuery() throws Exception {
        String key = newKey();
        HttpResponse<byte[]> first = app.post("/payments", key, PAYMENT);
        store.reset();

        HttpResponse<byte[]> otherBody = app.post("/payments", key, "{\"card\":\"4242\",\"amount\":1001}");
        HttpResponse<byte[]> otherRoute = app.post("/refunds", key, PAYMENT);
        HttpResponse<byte[]> otherQuery = app.post("/payments?currency=usd", key, PAYMENT);
        HttpResponse<byte[]> again = app.post("/payments", key, PAYMENT);

        for (HttpResponse<byte[]> refused : List.of(otherBody, otherRoute, otherQuery)) {
            assertProblem(refused, 422, "Idempotency key reused");
        }
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(gate.runs()).isEqualTo(1);
        assertThat(store.total()).isEqualTo(4);
        assertThat(store.completes() + store.releases()).isZero();
    }

    @Test
    void refusesTheKeyOnAnotherPathOfTheSameRouteTemplate() throws Exception {
        String key = newKey();

        HttpResponse<byte[]> first = app.post("/orders/o-1/shipments", key, PAYMENT);
        HttpResponse<byte[]> otherOrder = app.post("/orders/o-2/shipments", key, PAYMENT);
        HttpResponse<byte[]> replay = app.post("/orders/o-1/shipments", key, PAYMENT);

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(WebApp.text(first)).contains("\"id\":\"ship-o-1-1\"");
        // Same template, other order: another request, never order 1's answer.
        assertProblem(otherOrder, 422, "Idempotency key reused");
        assertThat(WebApp.text(otherOrder)).doesNotContain("o-1");
        assertThat(replay.body()).isEqualTo(first.body());
        assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void refusesARequestWithoutAKeyBeforeTheStoreIsAsked() throws Exception {
        HttpResponse<byte[]> response = app.post("/payments", null, PAYMENT);

        JsonNode problem = assertProblem(response, 400, "Invalid idempotency key");
        assertThat(problem.path("detail").asString()).contains("requires an Idempotency-Key header");
        assertThat(problem.path("instance").asString()).isEqualTo("/payments");
        assertThat(gate.runs()).isZero();
        assertThat(store.total()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = { "\"unterminated", "two words", "a,b", "\"a\";param=1", "\"\"", "\"a\\b\"" })
    void refusesAMalformedKeyBeforeTheStoreIsAsked(String key) throws Exception {
        HttpResponse<byte[]> response = app.post("/payments", key, PAYMENT);

        JsonNode problem = assertProblem(response, 400, "Invalid idempotency key");
        assertThat(problem.path("detail").asString()).startsWith("The Idempotency-Key header");
        assertThat(gate.runs()).isZero();
        assertThat(store.total()).isZero();
    }

    @Test
    void takesAKeyOf255CharactersAndRefusesOneOf256() throws Exception {
        HttpResponse<byte[]> longest = app.post("/payments", "k".repeat(255), PAYMENT);
        store.reset();
        HttpResponse<byte[]> tooLong = app.post("/payments", "\"" + "k".repeat(256) + "\"", PAYMENT);

        assertThat(longest.statusCode()).isEqualTo(201);
        JsonNode problem = assertProblem(tooLong, 400, "Invalid idempotency key");
        assertThat(problem.path("detail").asString()).contains("256 characters long, more than the 255 allowed");
        assertThat(store.total()).isZero();
    }

    @Test
    void refusesATwoHeaderKey() throws Exception {
        HttpResponse<byte[]> response = app.post("/payments", "a", PAYMENT, "Idempotency-Key", "b");

        assertProblem(response, 400, "Invalid idempotency key");
        assertThat(store.total()).isZero();
    }

    @Test
    void answersAConcurrentDuplicateWith409AndRetryAfterThenReplaysOnceTheFirstCompleted() throws Exception {
        String key = newKey();
        gate.close();
        CompletableFuture<HttpResponse<byte[]>> first =
                CompletableFuture.supplyAsync(() -> app.post("/payments", key, PAYMENT));
        assertThat(gate.awaitEntered()).isTrue();

        HttpResponse<byte[]> duplicate = app.post("/payments", key, PAYMENT);
        gate.open();
        HttpResponse<byte[]> completed = first.get(20, TimeUnit.SECONDS);
        HttpResponse<byte[]> replay = app.post("/payments", key, PAYMENT);

        JsonNode problem = assertProblem(duplicate, 409, "Request in progress");
        // The lease is 60 s: the client is told to come back when it ends at the latest.
        long retryAfter = Long.parseLong(duplicate.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(55L, 60L);
        assertThat(problem.path("detail").asString()).contains("Retry after " + retryAfter + " s");
        assertThat(completed.statusCode()).isEqualTo(201);
        assertThat(replay.body()).isEqualTo(completed.body());
        assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void letsAWaitingDuplicateGetTheFirstResponse() throws Exception {
        String key = newKey();
        gate.close();
        CompletableFuture<HttpResponse<byte[]>> first =
                CompletableFuture.supplyAsync(() -> app.post("/waiting", key, PAYMENT));
        assertThat(gate.awaitEntered()).isTrue();
        CompletableFuture<HttpResponse<byte[]>> waiting =
                CompletableFuture.supplyAsync(() -> app.post("/waiting", key, PAYMENT));
        Thread.sleep(100);

        gate.open();

        assertThat(waiting.get(20, TimeUnit.SECONDS).body()).isEqualTo(first.get(20, TimeUnit.SECONDS).body());
        assertThat(waiting.get().headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void runsTheHandlerOnceFor32ConcurrentClientsWithOneKey() throws Exception {
        String key = newKey();
        gate.close();
        ExecutorService clients = Executors.newFixedThreadPool(32);
        List<CompletableFuture<HttpResponse<byte[]>>> calls = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            calls.add(CompletableFuture.supplyAsync(() -> app.post("/payments", key, PAYMENT), clients));
        }
        assertThat(gate.awaitEntered()).isTrue();
        // Every other client is answered while the first still runs.
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

        assertThat(statuses).containsOnly(201, 409);
        assertThat(statuses).filteredOn(s -> s == 201).hasSize(1);
        assertThat(gate.runs()).isEqualTo(1);
        assertThat(app.post("/payments", key, PAYMENT).headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void releasesA5xxResponseSoThatARetryRunsAgainAndKeepsTheSuccessThatFollows() {
        String key = newKey();

        HttpResponse<byte[]> failed = app.post("/flaky", key, PAYMENT);
        assertThat(store.claims()).isEqualTo(1);
        assertThat(store.releases()).isEqualTo(1);
        HttpResponse<byte[]> retried = app.post("/flaky", key, PAYMENT);
        HttpResponse<byte[]> replay = app.post("/flaky", key, PAYMENT);

        assertThat(failed.statusCode()).isEqualTo(500);
        // The first caller gets its 500 as the handler wrote it.
        assertThat(WebApp.text(failed)).contains("\"id\":\"flaky-1\"");
        assertThat(retried.statusCode()).isEqualTo(201);
        assertThat(WebApp.text(retried)).contains("\"id\":\"flaky-2\"");
        assertThat(replay.statusCode()).isEqualTo(201);
        assertThat(replay.body()).isEqualTo(retried.body());
        assertThat(gate.runs()).isEqualTo(2);
    }

    @Test
    void releasesTheKeyWhenTheHandlerThrowsAndLeavesTheErrorToTheApplication() {
        String key = newKey();

        HttpResponse<byte[]> failed = app.post("/failing", key, PAYMENT);
        HttpResponse<byte[]> retried = app.post("/failing", key, PAYMENT);
        HttpResponse<byte[]> replay = app.post("/failing", key, PAYMENT);

        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(retried.statusCode()).isEqualTo(200);
        assertThat(replay.body()).isEqualTo(retried.body());
        assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(gate.runs()).isEqualTo(2);
    }

    @Test
    void keepsAFinalExceptionAndReplaysTheApplicationsAnswerToIt() {
        String key = newKey();

        HttpResponse<byte[]> declined = app.post("/declines", key, PAYMENT);
        HttpResponse<byte[]> replay = app.post("/declines", key, PAYMENT);

        assertThat(declined.statusCode()).isEqualTo(402);
        assertThat(replay.statusCode()).isEqualTo(402);
        assertThat(replay.body()).isEqualTo(declined.body());
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void scopesKeysByThePrincipalSoThatTwoCallersEqualKeysNeverMeet() {
        String key = newKey();

        HttpResponse<byte[]> alice = app.post("/payments", key, PAYMENT, "X-User", "alice");
        HttpResponse<byte[]> bob = app.post("/payments", key, PAYMENT, "X-User", "bob");
        HttpResponse<byte[]> anonymous = app.post("/payments", key, PAYMENT);
        HttpResponse<byte[]> aliceAgain = app.post("/payments", key, PAYMENT, "X-User", "alice");
        HttpResponse<byte[]> bobAgain = app.post("/payments", key, PAYMENT, "X-User", "bob");

        assertThat(List.of(alice, bob, anonymous)).extracting(HttpResponse::statusCode).containsOnly(201);
        assertThat(gate.runs()).isEqualTo(3);
        assertThat(aliceAgain.body()).isEqualTo(alice.body());
        assertThat(bobAgain.body()).isEqualTo(bob.body());
        assertThat(bob.body()).isNotEqualTo(alice.body());
    }

    @Test
    void answers503WithoutRunningTheHandlerWhenTheStoreIsDown() throws Exception {
        app.bean(SwitchableStore.class).down(true);

        HttpResponse<byte[]> response = app.post("/payments", newKey(), PAYMENT);

        JsonNode problem = assertProblem(response, 503, "Idempotency store unavailable");
        assertThat(problem.path("detail").asString()).doesNotContain("test").doesNotContain("http#");
        assertThat(gate.runs()).isZero();
    }

    @Test
    void refusesABodyAboveTheLimitWith413BeforeTheStoreIsAsked() throws Exception {
        String large = "{\"card\":\"" + "4".repeat(5000) + "\",\"amount\":1}";

        HttpResponse<byte[]> response = app.post("/payments", newKey(), large);

        assertProblem(response, 413, "Request too large");
        assertThat(gate.runs()).isZero();
        assertThat(store.total()).isZero();
    }

    @Test
    void givesAResponseTooLargeToKeepToTheFirstCallerAndRefusesToRunItAgain() throws Exception {
        String key = newKey();
        String payment = "{\"card\":\"4242\",\"amount\":5000}";

        HttpResponse<byte[]> first = app.post("/reports", key, payment);
        HttpResponse<byte[]> retry = app.post("/reports", key, payment);

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body()).hasSize(5000);
        assertProblem(retry, 500, "Response not replayable");
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void keepsAResponseBelowTheLimit() {
        String key = newKey();
        String payment = "{\"card\":\"4242\",\"amount\":2048}";

        HttpResponse<byte[]> first = app.post("/reports", key, payment);
        HttpResponse<byte[]> replay = app.post("/reports", key, payment);

        assertThat(replay.body()).hasSize(2048).isEqualTo(first.body());
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void answersTheExceptionsOfAnIdempotentServiceMethodAsProblemsToo() throws Exception {
        String key = newKey();
        HttpResponse<byte[]> first = app.post("/ledger", key, PAYMENT);
        HttpResponse<byte[]> replay = app.post("/ledger", key, PAYMENT);
        HttpResponse<byte[]> mismatch = app.post("/ledger", key, "{\"card\":\"4242\",\"amount\":1}");
        HttpResponse<byte[]> missing = app.post("/ledger", null, PAYMENT);
        gate.close();
        String running = newKey();
        CompletableFuture<HttpResponse<byte[]>> slow =
                CompletableFuture.supplyAsync(() -> app.post("/ledger", running, PAYMENT));
        assertThat(gate.awaitEntered()).isTrue();
        HttpResponse<byte[]> inProgress = app.post("/ledger", running, PAYMENT);
        gate.open();

        assertThat(first.statusCode()).isEqualTo(200);
        // The service replays its value; the controller writes it again, a new response with equal bytes.
        assertThat(replay.body()).isEqualTo(first.body());
        assertProblem(mismatch, 422, "Idempotency key reused");
        JsonNode noKey = assertProblem(missing, 400, "Invalid idempotency key");
        // The service's message names its method: the client gets a detail of its own.
        assertThat(noKey.path("detail").asString()).isEqualTo("The request has no usable idempotency key.");
        assertProblem(inProgress, 409, "Request in progress");
        assertThat(inProgress.headers().firstValue("Retry-After")).isPresent();
        assertThat(slow.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(gate.runs()).isEqualTo(2);
    }

    @Test
    void readsTheHeaderKeyOfAServiceMethodThroughSpelToo() {
        String key = newKey();

        HttpResponse<byte[]> first = app.post("/ledger-spel", key, PAYMENT, "X-User", "alice");
        HttpResponse<byte[]> replay = app.post("/ledger-spel", key, PAYMENT, "X-User", "alice");
        HttpResponse<byte[]> otherCaller = app.post("/ledger-spel", key, PAYMENT, "X-User", "bob");

        assertThat(WebApp.text(first)).contains("\"id\":\"spel-1\"");
        assertThat(replay.body()).isEqualTo(first.body());
        // Scoped by the caller as at the endpoints: bob's equal key is his own.
        assertThat(WebApp.text(otherCaller)).contains("\"id\":\"spel-2\"");
        assertThat(gate.runs()).isEqualTo(2);
    }

    @Test
    void leavesHandlerMethodsToTheWebLayerSoThatEachRequestMakesOneRecord() {
        String key = newKey();

        app.post("/payments", key, PAYMENT);

        // One claim and one completion: the method-level aspect did not protect the handler a second time.
        assertThat(store.claims()).isEqualTo(1);
        assertThat(store.completes()).isEqualTo(1);
    }

    @Test
    void logsTheExpectedAnswersNeitherAsErrorsNorWithStackTraces() throws Exception {
        String key = newKey();
        app.post("/payments", key, PAYMENT);
        List<java.util.logging.LogRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler handler = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                if (record.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
                    records.add(record);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        root.addHandler(handler);
        System.setErr(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            assertThat(app.post("/payments", key, "{\"card\":\"1\",\"amount\":1}").statusCode()).isEqualTo(422);
            assertThat(app.post("/payments", null, PAYMENT).statusCode()).isEqualTo(400);
            assertThat(app.post("/payments", "\"open", PAYMENT).statusCode()).isEqualTo(400);
            assertThat(app.post("/ledger", key, PAYMENT).statusCode()).isEqualTo(200);
            assertThat(app.post("/ledger", key, "{\"card\":\"1\",\"amount\":1}").statusCode()).isEqualTo(422);
            gate.close();
            String running = newKey();
            CompletableFuture<HttpResponse<byte[]>> slow =
                    CompletableFuture.supplyAsync(() -> app.post("/payments", running, PAYMENT));
            assertThat(gate.awaitEntered()).isTrue();
            assertThat(app.post("/payments", running, PAYMENT).statusCode()).isEqualTo(409);
            gate.open();
            slow.get(20, TimeUnit.SECONDS);
        } finally {
            System.setErr(err);
            root.removeHandler(handler);
        }

        // slf4j-simple prints WARN and above here (the build sets the level), JUL records go to the handler.
        assertThat(printed.toString(java.nio.charset.StandardCharsets.UTF_8)).isEmpty();
        assertThat(records).isEmpty();
    }
}

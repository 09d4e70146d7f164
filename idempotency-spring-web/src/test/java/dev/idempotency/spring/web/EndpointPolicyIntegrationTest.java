package dev.idempotency.spring.web;

import static dev.idempotency.spring.web.testing.Wire.newKey;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.idempotency.spring.web.PaymentsApp.Gate;
import dev.idempotency.spring.web.testing.WebApp;
import dev.idempotency.testing.CountingIdempotencyStore;

/**
 * The settings that change what an endpoint does, on the wire: an optional key, kept 5xx responses, what cannot be
 * stored run unprotected, routes made idempotent by configuration, and the local cache answering replays without
 * the store.
 */
class EndpointPolicyIntegrationTest {

    private static final String PAYMENT = "{\"card\":\"4242\",\"amount\":1000}";

    private static WebApp app;
    private static Gate gate;
    private static CountingIdempotencyStore store;

    @BeforeAll
    static void start() {
        app = WebApp.start(Map.of(
                "idempotency.web.key-required", "false",
                "idempotency.web.keep-server-errors", "true",
                "idempotency.web.oversized", "run-unprotected",
                "idempotency.web.max-request-bytes", "4096",
                "idempotency.web.max-response-bytes", "2048",
                "idempotency.web.routes", "POST /transfers"), MoreEndpoints.PolicyApp.class);
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
        store.reset();
    }

    @Test
    void runsARequestWithoutAKeyUnprotectedWhereTheKeyIsOptional() {
        HttpResponse<byte[]> first = app.post("/payments", null, PAYMENT);
        HttpResponse<byte[]> second = app.post("/payments", null, PAYMENT);

        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(second.statusCode()).isEqualTo(201);
        assertThat(second.body()).isNotEqualTo(first.body());
        assertThat(gate.runs()).isEqualTo(2);
        assertThat(store.total()).isZero();
    }

    @Test
    void answersAReplayFromTheLocalCacheWithoutAStoreRequest() {
        String key = newKey();
        HttpResponse<byte[]> first = app.post("/payments", key, PAYMENT);
        store.reset();

        HttpResponse<byte[]> replay = app.post("/payments", key, PAYMENT);

        assertThat(replay.body()).isEqualTo(first.body());
        assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(store.total()).isZero();
    }

    @Test
    void keepsAndReplaysA500WhenConfiguredTo() {
        String key = newKey();

        HttpResponse<byte[]> failed = app.post("/flaky", key, PAYMENT);
        HttpResponse<byte[]> replay = app.post("/flaky", key, PAYMENT);

        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(replay.statusCode()).isEqualTo(500);
        assertThat(replay.body()).isEqualTo(failed.body());
        assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void runsAStreamingEndpointUnprotected() {
        String key = newKey();

        HttpResponse<byte[]> first = app.post("/exports", key, PAYMENT);
        HttpResponse<byte[]> second = app.post("/exports", key, PAYMENT);

        assertThat(WebApp.text(first)).isEqualTo("export of 4242");
        assertThat(WebApp.text(second)).isEqualTo("export of 4242");
        assertThat(gate.runs()).isEqualTo(2);
        assertThat(store.total()).isZero();
    }

    @Test
    void runsARequestBodyAboveTheLimitUnprotected() {
        String key = newKey();
        String large = "{\"card\":\"" + "4".repeat(5000) + "\",\"amount\":1}";

        HttpResponse<byte[]> first = app.post("/payments", key, large);
        HttpResponse<byte[]> second = app.post("/payments", key, large);

        assertThat(first.statusCode()).isEqualTo(201);
        // The handler read the whole body: what was read for the fingerprint, and the rest.
        assertThat(WebApp.text(first)).contains("4".repeat(5000));
        assertThat(second.statusCode()).isEqualTo(201);
        assertThat(gate.runs()).isEqualTo(2);
        assertThat(store.total()).isZero();
    }

    @Test
    void runsAFormAboveTheLimitUnprotectedWithItsParameters() {
        String key = newKey();
        java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(app.uri("/signups"))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Idempotency-Key", key)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("name=" + "n".repeat(5000))).build();

        HttpResponse<byte[]> first = app.send(request);
        HttpResponse<byte[]> second = app.send(request);

        assertThat(WebApp.text(first)).isEqualTo("signed up 5000 run 1");
        assertThat(WebApp.text(second)).isEqualTo("signed up 5000 run 2");
        assertThat(store.total()).isZero();
    }

    @Test
    void streamsAResponseAboveTheLimitAndReleasesItsKey() {
        String key = newKey();
        String payment = "{\"card\":\"4242\",\"amount\":5000}";

        HttpResponse<byte[]> first = app.post("/reports", key, payment);
        HttpResponse<byte[]> retry = app.post("/reports", key, payment);

        assertThat(first.body()).hasSize(5000);
        assertThat(retry.body()).hasSize(5000);
        assertThat(gate.runs()).isEqualTo(2);
        assertThat(store.releases()).isEqualTo(2);
    }

    @Test
    void protectsAConfiguredRouteWithoutAnAnnotationAndOnlyThatRoute() {
        String key = newKey();

        HttpResponse<byte[]> first = app.post("/transfers", key, PAYMENT);
        HttpResponse<byte[]> replay = app.post("/transfers", key, PAYMENT);
        HttpResponse<byte[]> legacy = app.post("/transfers/legacy", key, PAYMENT);

        assertThat(WebApp.text(first)).isEqualTo("transfer 4242 run 1");
        assertThat(replay.body()).isEqualTo(first.body());
        assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        // The handler's other route is not configured: it runs unprotected.
        assertThat(WebApp.text(legacy)).isEqualTo("transfer 4242 run 2");
    }
}

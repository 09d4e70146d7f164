package dev.idempotency.spring.web;

import static dev.idempotency.spring.web.testing.Wire.assertProblem;
import static dev.idempotency.spring.web.testing.Wire.assertReplayOf;
import static dev.idempotency.spring.web.testing.Wire.newKey;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.idempotency.spring.web.PaymentsApp.Gate;
import dev.idempotency.spring.web.testing.WebApp;
import dev.idempotency.testing.CountingIdempotencyStore;

/**
 * Edge cases of idempotent endpoints on a real Tomcat (work after the handler method returned, writes around the held
 * response, forwards, encoded paths, chunked uploads, malformed forms): each test asserts the documented behaviour and
 * how often the handler ran.
 */
class EndpointEdgeCasesIntegrationTest {

    private static final String PAYMENT = "{\"card\":\"4242\",\"amount\":1000}";

    private static WebApp app;
    private static Gate gate;
    private static CountingIdempotencyStore store;

    @BeforeAll
    static void start() {
        app = WebApp.start(Map.of("idempotency.local-cache.enabled", "false",
                "idempotency.web.max-request-bytes", "4096",
                "idempotency.web.max-response-bytes", "2048"), EdgeCasesApp.class);
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
    void neverRunsTheHandlerAgainWhenAResponseBodyAdviceFailsAfterItReturned() {
        String key = newKey();

        HttpResponse<byte[]> first = app.post("/advice-throws", key, PAYMENT);
        HttpResponse<byte[]> retry = app.post("/advice-throws", key, PAYMENT);

        assertThat(first.statusCode()).isEqualTo(500);
        assertThat(gate.runs()).as("handler runs for one key").isEqualTo(1);
        assertReplayOf(retry, first);
    }

    @Test
    void neverRunsTheHandlerAgainWhenItsViewFailsToRender() {
        String key = newKey();

        HttpResponse<byte[]> first = app.post("/broken-view", key, PAYMENT);
        HttpResponse<byte[]> retry = app.post("/broken-view", key, PAYMENT);

        assertThat(first.statusCode()).isEqualTo(500);
        assertThat(gate.runs()).as("handler runs for one key").isEqualTo(1);
        assertThat(retry.statusCode()).isEqualTo(500);
    }

    @Test
    void keepsTheBodyAHandlerWroteToTheRequestContextsResponse() {
        String key = newKey();

        HttpResponse<byte[]> first = app.post("/context-writes", key, PAYMENT);
        HttpResponse<byte[]> replay = app.post("/context-writes", key, PAYMENT);

        // While the handler runs, the request context holds the held response: what the handler wrote there is
        // kept and replayed (not cut to an empty held body's length).
        assertThat(WebApp.text(first)).isEqualTo("written 4242 run 1");
        assertReplayOf(replay, first);
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void replaysAHeaderThatAFilterSetBeforeTheHandlerOnceAsTheFirstResponseHadIt() {
        String key = newKey();

        HttpResponse<byte[]> first = app.post("/languages", key, PAYMENT);
        HttpResponse<byte[]> replay = app.post("/languages", key, PAYMENT);

        assertThat(first.headers().allValues("Content-Language")).containsExactly("de");
        assertReplayOf(replay, first);
        assertThat(replay.headers().allValues("Content-Language")).containsExactly("de");
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void replaysThePathWithAPercentEncodedUnreservedCharacterAsTheSamePath() {
        String key = newKey();

        HttpResponse<byte[]> first = app.post("/items/abc", key, PAYMENT);
        HttpResponse<byte[]> encoded = app.post("/items/a%62c", key, PAYMENT);

        assertThat(WebApp.text(first)).isEqualTo("item abc run 1");
        assertReplayOf(encoded, first);
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void refusesAChunkedMultipartBodyOverMaxRequestBytesWith413() {
        String boundary = "chunked-boundary";
        String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n" + "x".repeat(65536) + "\r\n--" + boundary + "--\r\n";
        byte[] bytes = body.getBytes(StandardCharsets.US_ASCII);
        HttpRequest request = HttpRequest.newBuilder(app.uri("/big-uploads")).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .header("Idempotency-Key", newKey())
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes))).build();

        HttpResponse<byte[]> response = app.send(request);

        assertProblem(response, 413, "Request too large");
        assertThat(gate.runs()).isZero();
    }

    @Test
    void keepsOnlyTheProblemDetailOfAnErrorTheHandlerSentBeforeReturningABody() throws Exception {
        String key = newKey();

        HttpResponse<byte[]> first = app.post("/errors-then-body", key, PAYMENT);
        HttpResponse<byte[]> replay = app.post("/errors-then-body", key, PAYMENT);

        // The container ignores what is written after sendError, and so does the held response: the problem alone
        // (with its application/problem+json) is what the first client and every replay get.
        assertThat(WebApp.text(first)).doesNotContain("body after the error");
        assertThat(assertProblem(first, 410, "Gone").path("detail").asString()).isEqualTo("The offer expired");
        assertReplayOf(replay, first);
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void answersAFormWithAMalformedPercentEscapeAsTheApplicationDoesWithoutTheFramework() {
        String type = "application/x-www-form-urlencoded";
        byte[] body = "a=%ZZ&b=2".getBytes(StandardCharsets.US_ASCII);

        HttpResponse<byte[]> plain = app.send(HttpRequest.newBuilder(app.uri("/raw-forms-plain"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
        HttpResponse<byte[]> idempotent = form(app, newKey(), type, body);

        // Without the framework the container refuses the form (400); with it, the buffered form's malformed
        // escape is answered the same (not URLDecoder's IllegalArgumentException, a 500).
        assertThat(plain.statusCode()).isEqualTo(400);
        assertThat(idempotent.statusCode()).as(WebApp.text(idempotent)).isEqualTo(plain.statusCode());
        assertThat(gate.runs()).isZero();
    }

    @Test
    void answersAForwardToAnEndpointThatIsNotIdempotentWithItsBodyAndReplaysIt() {
        String key = newKey();

        HttpResponse<byte[]> first = app.post("/v1/receipts/r-1", key, PAYMENT);
        HttpResponse<byte[]> replay = app.post("/v1/receipts/r-1", key, PAYMENT);

        // The container finishes the response it finds beneath a forward's wrappers when the forward returns; the
        // held response hides it while the forward renders, so the first client gets the body, as the replay does.
        assertThat(WebApp.text(first)).isEqualTo("receipt r-1");
        assertReplayOf(replay, first);
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void answersAForwardToAnotherIdempotentEndpointWithTheTargetsResponse() {
        String key = newKey();

        HttpResponse<byte[]> first = app.post("/v1/items/abc", key, PAYMENT);
        HttpResponse<byte[]> retry = app.post("/v1/items/abc", key, PAYMENT);

        // The forward dispatch passes through unprotected (only the client's request is idempotent): the target
        // runs once within the forwarding request's key instead of meeting that key again (a kept 422).
        assertThat(first.statusCode()).as(WebApp.text(first)).isEqualTo(200);
        assertThat(WebApp.text(first)).isEqualTo("item abc run 1");
        assertReplayOf(retry, first);
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void replaysACompressedBodyWithTheContentEncodingThatMakesItReadable() {
        String key = newKey();

        HttpResponse<byte[]> first = app.post("/compressed", key, PAYMENT);
        HttpResponse<byte[]> replay = app.post("/compressed", key, PAYMENT);

        // The body bytes are kept with the header that says what they are (Content-Encoding is among the default
        // stored-headers), so a replay is as readable as the first response.
        assertThat(first.headers().firstValue("Content-Encoding")).hasValue("gzip");
        assertReplayOf(replay, first);
        assertThat(replay.headers().firstValue("Content-Encoding")).hasValue("gzip");
        assertThat(gate.runs()).isEqualTo(1);
    }

    static HttpResponse<byte[]> form(WebApp to, String key, String contentType, byte[] body) {
        return to.send(HttpRequest.newBuilder(to.uri("/raw-forms")).timeout(Duration.ofSeconds(30))
                .header("Content-Type", contentType).header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }
}

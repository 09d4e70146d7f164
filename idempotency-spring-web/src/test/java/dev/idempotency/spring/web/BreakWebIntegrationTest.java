package dev.idempotency.spring.web;

import static dev.idempotency.spring.web.IdempotentEndpointIntegrationTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.idempotency.spring.web.PaymentsApp.Gate;
import dev.idempotency.spring.web.testing.WebApp;
import dev.idempotency.testing.CountingIdempotencyStore;

/**
 * What a hostile reviewer found on a real Tomcat: each test asserts the documented behaviour and how often the handler
 * ran.
 */
class BreakWebIntegrationTest {

    private static final String PAYMENT = "{\"card\":\"4242\",\"amount\":1000}";

    private static WebApp app;
    private static Gate gate;
    private static CountingIdempotencyStore store;

    @BeforeAll
    static void start() {
        app = WebApp.start(Map.of("idempotency.local-cache.enabled", "false",
                "idempotency.web.max-request-bytes", "4096",
                "idempotency.web.max-response-bytes", "2048"), BreakWebApp.class);
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

        // The request context holds the container's response, not the held one: what the handler wrote there is
        // cut to the held body's length (0) when the held response is committed.
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

        // The container ignores what is written after sendError; the held response appends it to the problem (and
        // the converter's Content-Type replaces application/problem+json), for the first client and every replay.
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

        // Without the framework the container refuses the form (400); with it, the buffered form's parameters throw
        // URLDecoder's IllegalArgumentException inside the handler's argument resolution: a 500.
        assertThat(plain.statusCode()).isEqualTo(400);
        assertThat(idempotent.statusCode()).as(WebApp.text(idempotent)).isEqualTo(plain.statusCode());
        assertThat(gate.runs()).isZero();
    }

    @Test
    void answersAForwardToAnEndpointThatIsNotIdempotentWithItsBodyAndReplaysIt() {
        String key = newKey();

        HttpResponse<byte[]> first = app.post("/v1/receipts/r-1", key, PAYMENT);
        HttpResponse<byte[]> replay = app.post("/v1/receipts/r-1", key, PAYMENT);

        // The container finishes the response when the forward returns, before the held body is written: the
        // first client gets a 200 with Content-Length 0, while the replay has the body.
        assertThat(WebApp.text(first)).isEqualTo("receipt r-1");
        assertReplayOf(replay, first);
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void answersAForwardToAnotherIdempotentEndpointWithTheTargetsResponse() {
        String key = newKey();

        HttpResponse<byte[]> first = app.post("/v1/items/abc", key, PAYMENT);
        HttpResponse<byte[]> retry = app.post("/v1/items/abc", key, PAYMENT);

        // The forwarded request meets the key that the forwarding request holds: the framework's own 422 is written
        // into the held response (the client gets it with an empty body), kept as the endpoint's answer, and
        // replayed to every retry; the target never runs.
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

        // The body bytes are kept, but not the header that says what they are: a replay hands gzip bytes to a
        // client told nothing of the encoding (Content-Encoding is not among the default stored-headers).
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

    static String newKey() {
        return UUID.randomUUID().toString();
    }

    static void assertReplayOf(HttpResponse<byte[]> replay, HttpResponse<byte[]> first) {
        assertThat(replay.statusCode()).isEqualTo(first.statusCode());
        assertThat(WebApp.text(replay)).isEqualTo(WebApp.text(first));
        assertThat(replay.body()).isEqualTo(first.body());
        assertThat(replay.headers().firstValue("Content-Type")).isEqualTo(first.headers().firstValue("Content-Type"));
        assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    }
}

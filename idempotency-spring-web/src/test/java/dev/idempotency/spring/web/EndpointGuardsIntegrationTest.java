package dev.idempotency.spring.web;

import static dev.idempotency.spring.web.testing.Wire.assertProblem;
import static dev.idempotency.spring.web.testing.Wire.assertReplayOf;
import static dev.idempotency.spring.web.testing.Wire.newKey;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.idempotency.spring.web.PaymentsApp.Gate;
import dev.idempotency.spring.web.testing.WebApp;
import dev.idempotency.testing.CountingIdempotencyStore;

/** Attacks that did not break the web layer, kept because no other test takes their path. */
class EndpointGuardsIntegrationTest {

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
    void neverRunsAVoidControllerMethodWithADefaultViewTwice() {
        String key = newKey();

        HttpResponse<byte[]> first = app.post("/void-page", key, PAYMENT);
        HttpResponse<byte[]> retry = app.post("/void-page", key, PAYMENT);

        // Its view is rendered by the dispatcher after the handler (here: Boot's circular view path, a 500), so the
        // record is completed without a response, and the retry is refused rather than run again.
        assertThat(first.statusCode()).isEqualTo(500);
        assertProblem(retry, 500, "Response not replayable");
        assertThat(gate.runs()).isEqualTo(1);
        assertThat(store.releases()).isZero();
    }

    @Test
    void keepsABodyThatTheHandlerFlushedAndClosedItselfAndReplaysIt() {
        String key = newKey();

        HttpResponse<byte[]> first = app.post("/flushes", key, PAYMENT);
        HttpResponse<byte[]> replay = app.post("/flushes", key, PAYMENT);

        assertThat(WebApp.text(first)).isEqualTo("flushed 4242 run 1");
        assertReplayOf(replay, first);
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void refusesAFormWithItsFieldsReorderedAsTheReadmeFingerprintsTheBodyBytes() {
        String key = newKey();
        String type = "application/x-www-form-urlencoded";

        byte[] ab = "a=1&b=2".getBytes(StandardCharsets.US_ASCII);

        HttpResponse<byte[]> first = EndpointEdgeCasesIntegrationTest.form(app, key, type, ab);
        HttpResponse<byte[]> replay = EndpointEdgeCasesIntegrationTest.form(app, key, type, ab);
        HttpResponse<byte[]> reordered = EndpointEdgeCasesIntegrationTest.form(app, key, type,
                "b=2&a=1".getBytes(StandardCharsets.US_ASCII));

        assertThat(WebApp.text(first)).isEqualTo("form {a=1, b=2} run 1");
        assertReplayOf(replay, first);
        assertProblem(reordered, 422, "Idempotency key reused");
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void refusesSameNamedFilesWithOtherBytesAndReplaysEqualOnesUnderAnotherBoundary() {
        String key = newKey();

        HttpResponse<byte[]> first = files(key, "one", "same.txt", "alpha", "same.txt", "beta");
        HttpResponse<byte[]> replay = files(key, "two", "same.txt", "alpha", "same.txt", "beta");
        HttpResponse<byte[]> otherBytes = files(key, "three", "same.txt", "alpha", "same.txt", "gamma");
        HttpResponse<byte[]> swapped = files(key, "four", "same.txt", "beta", "same.txt", "alpha");

        assertThat(WebApp.text(first)).isEqualTo("files alpha beta run 1");
        assertReplayOf(replay, first);
        assertProblem(otherBytes, 422, "Idempotency key reused");
        assertProblem(swapped, 422, "Idempotency key reused");
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void replaysABodySentChunkedAfterExpect100ContinueAsTheSameBodySentWithItsLength() throws Exception {
        String key = newKey();
        byte[] body = PAYMENT.getBytes(StandardCharsets.UTF_8);

        HttpResponse<byte[]> first = app.post("/items/abc", key, PAYMENT);
        URI uri = app.uri("/items/abc");
        String raw;
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /items/abc HTTP/1.1\r\nHost: " + uri.getHost() + "\r\nContent-Type: application/json\r\n"
                    + "Idempotency-Key: " + key + "\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder interim = new StringBuilder();
            while (!interim.toString().endsWith("\r\n\r\n")) {
                interim.append((char) in.read());
            }
            assertThat(interim.toString()).startsWith("HTTP/1.1 100");
            out.write((Integer.toHexString(10) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, 0, 10);
            out.write(("\r\n" + Integer.toHexString(body.length - 10) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, 10, body.length - 10);
            out.write("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            raw = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }

        assertThat(WebApp.text(first)).isEqualTo("item abc run 1");
        assertThat(raw).startsWith("HTTP/1.1 200").containsIgnoringCase("Idempotent-Replayed: true")
                .endsWith("\r\n\r\nitem abc run 1");
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void replaysTheSameFormBytesUnderAnotherCharsetParameterWhichBootDecodesAlike() {
        String key = newKey();
        byte[] body = "name=caf%C3%A9".getBytes(StandardCharsets.US_ASCII);

        HttpResponse<byte[]> utf8 = EndpointEdgeCasesIntegrationTest.form(app, key,
                "application/x-www-form-urlencoded;charset=UTF-8", body);
        HttpResponse<byte[]> latin = EndpointEdgeCasesIntegrationTest.form(app, key,
                "application/x-www-form-urlencoded;charset=ISO-8859-1", body);

        // Boot's CharacterEncodingFilter forces UTF-8 on requests (server.servlet.encoding.force-request): the same
        // bytes are the same values whatever the charset parameter, so the same request.
        assertThat(WebApp.text(utf8)).isEqualTo("form {name=caf\u00e9} run 1");
        assertReplayOf(latin, utf8);
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void replaysTheResponseTheFirstClientGotWhenAnInterceptorsPostHandleFailsAfterTheHandler() {
        String key = newKey();

        EdgeCasesApp.POST_HANDLE_FAILURES.set(1);
        HttpResponse<byte[]> plain = postOrNull("/post-handle-plain", key, PAYMENT);
        EdgeCasesApp.POST_HANDLE_FAILURES.set(1);
        HttpResponse<byte[]> first = postOrNull("/post-handle", key, PAYMENT);
        HttpResponse<byte[]> retry = postOrNull("/post-handle", key, PAYMENT);

        assertThat(retry).isNotNull();
        // Without the framework, the application answers the failure with its error page, a 500.
        assertThat(plain).isNotNull();
        assertThat(plain.statusCode()).isEqualTo(500);
        // With the framework, the held 200 was stored and written whole (with its Content-Length) before postHandle
        // failed: the first client got that 200, and its retry the same, replayed; the handler ran once.
        assertThat(first).isNotNull();
        assertThat(first.statusCode()).isEqualTo(200);
        assertReplayOf(retry, first);
        assertThat(gate.runs()).isEqualTo(1);
        assertThat(store.releases()).isZero();
    }

    /** The response, on a connection of its own, or null when the connection closed without one. */
    static HttpResponse<byte[]> postOrNull(String path, String key, String json) {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try {
            return client.send(HttpRequest.newBuilder(app.uri(path)).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json").header("Idempotency-Key", key)
                    .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void discardsWhatTheHandlerWroteBeforeItThrewAndReleasesTheKey() {
        String key = newKey();

        HttpResponse<byte[]> first = app.post("/partial-then-throws", key, PAYMENT);
        HttpResponse<byte[]> retry = app.post("/partial-then-throws", key, PAYMENT);

        // An exception releases the key (documented): the retry runs again; neither client sees the partial body.
        assertThat(first.statusCode()).isEqualTo(500);
        assertThat(WebApp.text(first)).startsWith("{").doesNotStartWith("partial");
        assertThat(retry.statusCode()).isEqualTo(500);
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(gate.runs()).isEqualTo(2);
        assertThat(store.releases()).isEqualTo(2);
    }

    @Test
    void refusesADuplicateOfAnAsynchronousValueBehindObjectWhileItsWorkStillRunsAndAnswersTheFirst()
            throws Exception {
        String key = newKey();
        gate.close();

        CompletableFuture<HttpResponse<byte[]>> first = CompletableFuture.supplyAsync(() -> app.post("/later-held",
                key, PAYMENT));
        assertThat(gate.awaitEntered()).isTrue();
        // The handler returned its future, and the record is completed (without a response) while the work waits.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (store.completes() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        HttpResponse<byte[]> duplicate = app.post("/later-held", key, PAYMENT);
        gate.open();
        HttpResponse<byte[]> answered = first.get(20, TimeUnit.SECONDS);

        assertProblem(duplicate, 500, "Response not replayable");
        assertThat(answered.statusCode()).isEqualTo(200);
        assertThat(WebApp.text(answered)).isEqualTo("later 4242 run 1");
        assertThat(gate.runs()).isEqualTo(1);
        assertThat(store.releases()).isZero();
    }

    @Test
    void fingerprintsAPutFormThatBootsFormContentFilterReadBeforeTheHandler() {
        String key = newKey();
        String type = "application/x-www-form-urlencoded";

        HttpResponse<byte[]> first = put(key, type, "a=1&b=2");
        HttpResponse<byte[]> replay = put(key, type, "a=1&b=2");
        HttpResponse<byte[]> other = put(key, type, "a=1&b=3");

        assertThat(WebApp.text(first)).isEqualTo("put {a=1, b=2} run 1");
        assertReplayOf(replay, first);
        assertProblem(other, 422, "Idempotency key reused");
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void replaysAFinalExceptionThatOnlyBootsErrorPageAnswersWithTheReplayedHeader() {
        String key = newKey();

        HttpResponse<byte[]> first = app.post("/unanswered-finals", key, PAYMENT);
        HttpResponse<byte[]> replay = app.post("/unanswered-finals", key, PAYMENT);

        assertThat(first.statusCode()).isEqualTo(500);
        assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(replay.statusCode()).isEqualTo(500);
        assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(gate.runs()).isEqualTo(1);
        assertThat(store.releases()).isZero();
    }

    private static HttpResponse<byte[]> put(String key, String type, String body) {
        return app.send(HttpRequest.newBuilder(app.uri("/put-forms")).timeout(Duration.ofSeconds(30))
                .header("Content-Type", type).header("Idempotency-Key", key)
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    /** A multipart POST to /file-pairs of two parts named "file". */
    private static HttpResponse<byte[]> files(String key, String boundary, String name1, String bytes1, String name2,
            String bytes2) {
        StringBuilder body = new StringBuilder();
        for (String[] file : List.of(new String[] { name1, bytes1 }, new String[] { name2, bytes2 })) {
            body.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"file\"; filename=\"")
                    .append(file[0]).append("\"\r\nContent-Type: text/plain\r\n\r\n").append(file[1]).append("\r\n");
        }
        body.append("--").append(boundary).append("--\r\n");
        return app.send(HttpRequest.newBuilder(app.uri("/file-pairs")).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary).header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toString().getBytes(StandardCharsets.UTF_8)))
                .build());
    }
}

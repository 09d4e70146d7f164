package dev.idempotency.spring.web;

import static dev.idempotency.spring.web.testing.Wire.assertProblem;
import static dev.idempotency.spring.web.testing.Wire.assertReplayOf;
import static dev.idempotency.spring.web.testing.Wire.newKey;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.idempotency.CallOutcome;
import dev.idempotency.spring.web.PaymentsApp.Gate;
import dev.idempotency.spring.web.ResponsesApp.Outcomes;
import dev.idempotency.spring.web.ResponsesApp.Work;
import dev.idempotency.spring.web.testing.SwitchableStore;
import dev.idempotency.spring.web.testing.WebApp;
import dev.idempotency.testing.CountingIdempotencyStore;

/**
 * The other paths that users' code takes, on a real Tomcat, asserted on the wire: the application's catch-all
 * exception handlers, errors that Spring sends, values that cannot be written, a client that hangs up, an
 * asynchronous value behind a declared {@code Object}, forms with a query string, multipart uploads, a locale, and
 * the metrics of a refused key. Each asserts how often the handler ran.
 */
class EndpointResponsesIntegrationTest {

    private static final String PAYMENT = "{\"card\":\"4242\",\"amount\":1000}";

    private static WebApp app;
    private static Gate gate;
    private static Work work;
    private static CountingIdempotencyStore store;

    @BeforeAll
    static void start() {
        app = WebApp.start(Map.of("idempotency.local-cache.enabled", "false",
                "idempotency.web.max-request-bytes", "4096",
                "idempotency.web.max-response-bytes", "2048"), ResponsesApp.class);
        gate = app.bean(Gate.class);
        work = app.bean(Work.class);
        store = app.bean(CountingIdempotencyStore.class);
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @BeforeEach
    void reset() {
        gate.reset();
        work.reset();
        app.bean(Outcomes.class).reset();
        app.bean(SwitchableStore.class).down(false);
        store.reset();
    }

    @Test
    void replaysAKeptExceptionWithTheReplayedHeader() {
        String key = newKey();

        HttpResponse<byte[]> declined = app.post("/declines", key, PAYMENT);
        HttpResponse<byte[]> replay = app.post("/declines", key, PAYMENT);

        assertThat(declined.statusCode()).isEqualTo(402);
        assertReplayOf(replay, declined);
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void replaysTheContentLanguageThatTheHandlersLocaleSet() {
        String key = newKey();

        HttpResponse<byte[]> first = app.post("/greetings", key, PAYMENT);
        HttpResponse<byte[]> replay = app.post("/greetings", key, PAYMENT);

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("Content-Language")).hasValue("fr-CA");
        assertThat(replay.headers().allValues("Content-Language")).containsExactly("fr-CA");
        assertThat(first.headers().allValues("Content-Language")).containsExactly("fr-CA");
        assertReplayOf(replay, first);
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void countsAMissingAndAMalformedKeyAsInvalidKey() {
        HttpResponse<byte[]> missing = app.post("/payments", null, PAYMENT);
        HttpResponse<byte[]> malformed = app.post("/payments", "two words", PAYMENT);

        assertProblem(missing, 400, "Invalid idempotency key");
        assertProblem(malformed, 400, "Invalid idempotency key");
        assertThat(app.bean(Outcomes.class).all()).containsExactly(CallOutcome.INVALID_KEY, CallOutcome.INVALID_KEY);
        assertThat(gate.runs()).isZero();
        assertThat(store.total()).isZero();
    }

    @Test
    void answersWithTheFrameworksStatusesDespiteTheControllersCatchAllExceptionHandler() throws Exception {
        assertFrameworkAnswers("/catch-all");
    }

    @Test
    void answersWithTheFrameworksStatusesDespiteAnAdviceForRuntimeExceptionsOfTheHighestPrecedence()
            throws Exception {
        assertFrameworkAnswers("/advised");
    }

    private static void assertFrameworkAnswers(String path) throws Exception {
        String key = newKey();
        HttpResponse<byte[]> missing = app.post(path, null, PAYMENT);
        HttpResponse<byte[]> first = app.post(path, key, PAYMENT);
        HttpResponse<byte[]> otherBody = app.post(path, key, "{\"card\":\"1\",\"amount\":1}");
        gate.close();
        String running = newKey();
        CompletableFuture<HttpResponse<byte[]>> slow = CompletableFuture.supplyAsync(() -> app.post(path, running,
                PAYMENT));
        assertThat(gate.awaitEntered()).isTrue();
        HttpResponse<byte[]> duplicate = app.post(path, running, PAYMENT);
        gate.open();
        assertThat(slow.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        app.bean(SwitchableStore.class).down(true);
        HttpResponse<byte[]> storeDown = app.post(path, newKey(), PAYMENT);
        app.bean(SwitchableStore.class).down(false);
        HttpResponse<byte[]> replay = app.post(path, key, PAYMENT);

        assertProblem(missing, 400, "Invalid idempotency key");
        assertThat(first.statusCode()).isEqualTo(200);
        assertProblem(otherBody, 422, "Idempotency key reused");
        assertProblem(duplicate, 409, "Request in progress");
        assertThat(duplicate.headers().firstValue("Retry-After")).isPresent();
        assertProblem(storeDown, 503, "Idempotency store unavailable");
        assertReplayOf(replay, first);
        assertThat(gate.runs()).isEqualTo(2);
        assertThat(store.releases()).isZero();
    }

    @Test
    void keepsAndReplaysAnErrorStatusThatSpringSentForAResponseStatusReason() throws Exception {
        String key = newKey();

        HttpResponse<byte[]> first = app.post("/coupons/c-1", key, PAYMENT);
        HttpResponse<byte[]> replay = app.post("/coupons/c-1", key, PAYMENT);

        assertThat(assertProblem(first, 410, "Gone").path("detail").asString()).isEqualTo("This coupon was used up");
        assertReplayOf(replay, first);
        assertThat(gate.runs()).isEqualTo(1);
        assertThat(store.releases()).isZero();
    }

    @Test
    void releasesAnErrorStatusThatSaysTryAgainSoThatARetryRunsAgain() throws Exception {
        String key = newKey();

        HttpResponse<byte[]> first = app.post("/seats", key, PAYMENT);
        HttpResponse<byte[]> retry = app.post("/seats", key, PAYMENT);

        assertThat(assertProblem(first, 409, "Conflict").path("detail").asString()).isEqualTo("The seat is taken");
        assertThat(retry.statusCode()).isEqualTo(409);
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(gate.runs()).isEqualTo(2);
        assertThat(store.releases()).isEqualTo(2);
    }

    @Test
    void keepsTheErrorAnswerToAReturnValueThatCannotBeWrittenAndNeverRunsTheHandlerAgain() {
        String key = newKey();

        HttpResponse<byte[]> first = app.post("/broken", key, PAYMENT);
        HttpResponse<byte[]> replay = app.post("/broken", key, PAYMENT);

        assertThat(first.statusCode()).isEqualTo(500);
        assertReplayOf(replay, first);
        assertThat(gate.runs()).isEqualTo(1);
        assertThat(store.releases()).isZero();
    }

    @Test
    void keepsThe406ToAReturnValueWithoutAnAcceptableConverterAndNeverRunsTheHandlerAgain() {
        String key = newKey();
        byte[] body = PAYMENT.getBytes(StandardCharsets.UTF_8);

        HttpResponse<byte[]> first = send("/plain", key, "application/json", body, "Accept", "image/png");
        HttpResponse<byte[]> replay = send("/plain", key, "application/json", body, "Accept", "image/png");

        assertThat(first.statusCode()).isEqualTo(406);
        assertReplayOf(replay, first);
        assertThat(gate.runs()).isEqualTo(1);
        assertThat(store.releases()).isZero();
    }

    @Test
    void catchAllHandlersAnswerForAValueThatCannotBeWrittenIsKept() {
        String key = newKey();

        HttpResponse<byte[]> first = app.post("/catch-all/broken", key, PAYMENT);
        HttpResponse<byte[]> replay = app.post("/catch-all/broken", key, PAYMENT);

        assertThat(first.statusCode()).isEqualTo(500);
        assertThat(WebApp.text(first)).startsWith("oops: ").contains("HttpMessageNotWritableException");
        assertReplayOf(replay, first);
        assertThat(gate.runs()).isEqualTo(1);
        assertThat(store.releases()).isZero();
    }

    @Test
    void completesTheRecordWhenTheClientHangsUpDuringALargeResponseSoThatARetryNeverRunsAgain() throws Exception {
        String key = newKey();
        byte[] body = "{\"card\":\"4242\",\"amount\":16777216}".getBytes(StandardCharsets.UTF_8);
        URI uri = app.uri("/downloads");
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoLinger(true, 0);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /downloads HTTP/1.1\r\nHost: " + uri.getHost() + "\r\nContent-Type: application/json\r\n"
                    + "Idempotency-Key: " + key + "\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] start = in.readNBytes(12);
            assertThat(new String(start, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
        }
        // The client hung up (a reset) with most of the body unsent; the handler finishes, and the call ends.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (store.completes() + store.releases() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }

        HttpResponse<byte[]> retry = app.post("/downloads", key, new String(body, StandardCharsets.UTF_8));

        assertThat(store.completes()).isEqualTo(1);
        assertThat(store.releases()).isZero();
        // Too large to keep (max-response-bytes 2048): the retry is refused, and the handler did not run again.
        assertProblem(retry, 500, "Response not replayable");
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void refusesADuplicateOfACallableReturnedAsObjectWithoutRunningTheHandlerOrItsWorkAgain() throws Exception {
        String key = newKey();

        HttpResponse<byte[]> first = app.post("/later", key, PAYMENT);
        HttpResponse<byte[]> duplicate = app.post("/later", key, PAYMENT);

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(WebApp.text(first)).isEqualTo("later 4242 work 1");
        assertProblem(duplicate, 500, "Response not replayable");
        assertThat(gate.runs()).isEqualTo(1);
        assertThat(work.runs()).isEqualTo(1);
        assertThat(store.releases()).isZero();
    }

    @Test
    void passesAFormBodyWithAQueryStringToTheHandlerIntactAndFingerprintsIt() throws Exception {
        String key = newKey();
        String form = "application/x-www-form-urlencoded";
        byte[] body = "amount=1000&card=42%2042".getBytes(StandardCharsets.US_ASCII);

        HttpResponse<byte[]> first = send("/forms?source=web", key, form, body);
        HttpResponse<byte[]> replay = send("/forms?source=web", key, form, body);
        HttpResponse<byte[]> otherBody = send("/forms?source=web", key, form,
                "amount=1001&card=42%2042".getBytes(StandardCharsets.US_ASCII));

        assertThat(first.statusCode()).as(WebApp.text(first)).isEqualTo(200);
        assertThat(WebApp.text(first)).isEqualTo("form [amount=1000&card=42%2042] from web run 1");
        assertReplayOf(replay, first);
        assertProblem(otherBody, 422, "Idempotency key reused");
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void replaysAMultipartRequestWithItsFieldsInAnotherOrderOrUnderAnotherBoundary() {
        String key = newKey();
        List<String[]> fields = List.of(new String[] { "title", null, "Report" },
                new String[] { "tag", null, "a" }, new String[] { "file", "r.txt", "contents" },
                new String[] { "tag", null, "b" });
        List<String[]> reordered = List.of(fields.get(2), fields.get(1), fields.get(3), fields.get(0));

        HttpResponse<byte[]> first = multipart(key, "boundary-one", fields);
        HttpResponse<byte[]> reorderedReplay = multipart(key, "boundary-two", reordered);
        HttpResponse<byte[]> otherBoundary = multipart(key, "boundary-three", fields);

        assertThat(first.statusCode()).as(WebApp.text(first)).isEqualTo(200);
        assertThat(WebApp.text(first)).isEqualTo("upload Report [a, b] r.txt contents run 1");
        assertReplayOf(reorderedReplay, first);
        assertReplayOf(otherBoundary, first);
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void refusesAMultipartRequestWithAnotherPartOrSameNamePartsInAnotherOrder() throws Exception {
        String key = newKey();
        String[] title = { "title", null, "Report" };
        String[] file = { "file", "r.txt", "contents" };
        String[] tagA = { "tag", null, "a" };
        String[] tagB = { "tag", null, "b" };

        HttpResponse<byte[]> first = multipart(key, "b1", List.of(title, tagA, file, tagB));
        HttpResponse<byte[]> otherFile = multipart(key, "b2", List.of(title, tagA,
                new String[] { "file", "r.txt", "changed" }, tagB));
        HttpResponse<byte[]> otherFileName = multipart(key, "b3", List.of(title, tagA,
                new String[] { "file", "s.txt", "contents" }, tagB));
        HttpResponse<byte[]> tagsSwapped = multipart(key, "b4", List.of(title, tagB, file, tagA));

        assertThat(first.statusCode()).as(WebApp.text(first)).isEqualTo(200);
        assertProblem(otherFile, 422, "Idempotency key reused");
        assertProblem(otherFileName, 422, "Idempotency key reused");
        assertProblem(tagsSwapped, 422, "Idempotency key reused");
        assertThat(gate.runs()).isEqualTo(1);
    }

    /** A multipart/form-data POST to /uploads of {@code fields}: name, file name (or null) and value. */
    private static HttpResponse<byte[]> multipart(String key, String boundary, List<String[]> fields) {
        StringBuilder body = new StringBuilder();
        for (String[] field : fields) {
            body.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"").append(field[0])
                    .append('"');
            if (field[1] != null) {
                body.append("; filename=\"").append(field[1]).append("\"\r\nContent-Type: text/plain");
            }
            body.append("\r\n\r\n").append(field[2]).append("\r\n");
        }
        body.append("--").append(boundary).append("--\r\n");
        return send("/uploads", key, "multipart/form-data; boundary=" + boundary,
                body.toString().getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void leavesTheSafeMethodsOfAnEndpointMappedToEveryMethodUnprotected() {
        String key = newKey();

        HttpResponse<byte[]> get = app.send(HttpRequest.newBuilder(app.uri("/things")).GET().build());
        HttpResponse<byte[]> head = app.send(HttpRequest.newBuilder(app.uri("/things")).header("Idempotency-Key", key)
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
        HttpResponse<byte[]> getWithKey = app.send(HttpRequest.newBuilder(app.uri("/things"))
                .header("Idempotency-Key", key).GET().build());
        HttpResponse<byte[]> post = app.post("/things", key, PAYMENT);
        HttpResponse<byte[]> postAgain = app.post("/things", key, PAYMENT);

        assertThat(WebApp.text(get)).isEqualTo("things run 1");
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(WebApp.text(getWithKey)).isEqualTo("things run 3");
        assertThat(List.of(get, head, getWithKey)).allSatisfy(response ->
                assertThat(response.headers().firstValue("Idempotent-Replayed")).isEmpty());
        assertThat(WebApp.text(post)).isEqualTo("things run 4");
        assertReplayOf(postAgain, post);
        assertThat(gate.runs()).isEqualTo(4);
        assertThat(store.claims()).isEqualTo(2);
    }

    @Test
    void keepsAndReplaysARedirectViewThatTheHandlerReturned() {
        String key = newKey();

        HttpResponse<byte[]> first = app.post("/redirects", key, PAYMENT);
        HttpResponse<byte[]> replay = app.post("/redirects", key, PAYMENT);

        assertThat(first.statusCode()).isEqualTo(302);
        assertThat(first.headers().firstValue("Location")).hasValueSatisfying(location ->
                assertThat(location).endsWith("/payments/r-1"));
        assertThat(replay.headers().firstValue("Location")).isEqualTo(first.headers().firstValue("Location"));
        assertReplayOf(replay, first);
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void replaysABodilessResponseEntityWithItsStatusAndLocation() {
        String key = newKey();
        String other = newKey();

        HttpResponse<byte[]> created = app.post("/created", key, PAYMENT);
        HttpResponse<byte[]> createdAgain = app.post("/created", key, PAYMENT);
        HttpResponse<byte[]> noContent = app.post("/accepted", other, PAYMENT);
        HttpResponse<byte[]> noContentAgain = app.post("/accepted", other, PAYMENT);

        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(createdAgain.headers().firstValue("Location")).hasValue("/created/1");
        assertReplayOf(createdAgain, created);
        assertThat(noContent.statusCode()).isEqualTo(204);
        assertReplayOf(noContentAgain, noContent);
        assertThat(gate.runs()).isEqualTo(2);
    }

    @Test
    void replaysABodyInTheCharsetOfItsContentTypeByteForByte() {
        String key = newKey();

        HttpResponse<byte[]> first = app.post("/latin", key, PAYMENT);
        HttpResponse<byte[]> replay = app.post("/latin", key, PAYMENT);

        assertThat(first.headers().firstValue("Content-Type")).hasValue("text/plain;charset=ISO-8859-1");
        assertThat(first.body()).isEqualTo("caf\u00e9 4242 run 1".getBytes(StandardCharsets.ISO_8859_1));
        assertReplayOf(replay, first);
        assertThat(gate.runs()).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = { "streaming", "future", "deferred", "emitter" })
    void refusesADuplicateOfAnAsynchronousValueReturnedAsObjectWithoutRunningItsWorkAgain(String kind) {
        String key = newKey();

        HttpResponse<byte[]> first = app.post("/later/" + kind, key, PAYMENT);
        HttpResponse<byte[]> duplicate = app.post("/later/" + kind, key, PAYMENT);

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(WebApp.text(first)).contains("work 1");
        assertProblem(duplicate, 500, "Response not replayable");
        assertThat(gate.runs()).isEqualTo(1);
        assertThat(work.runs()).isEqualTo(1);
        assertThat(store.releases()).isZero();
    }

    @Test
    void fingerprintsAFormWhoseBodyAFilterReadAsParameters() throws Exception {
        String key = newKey();
        String form = "application/x-www-form-urlencoded";
        byte[] amount = "amount=1000".getBytes(StandardCharsets.US_ASCII);

        HttpResponse<byte[]> first = send("/filtered-forms", key, form, amount);
        HttpResponse<byte[]> replay = send("/filtered-forms", key, form, amount);
        HttpResponse<byte[]> other = send("/filtered-forms", key, form,
                "amount=9999".getBytes(StandardCharsets.US_ASCII));

        assertThat(WebApp.text(first)).isEqualTo("amount 1000 run 1");
        assertReplayOf(replay, first);
        assertProblem(other, 422, "Idempotency key reused");
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void keepsAndReplaysTheRedirectOfAControllersRedirectViewName() {
        String key = newKey();
        String form = "application/x-www-form-urlencoded";

        HttpResponse<byte[]> first = send("/orders-form", key, form, "item=book".getBytes(StandardCharsets.US_ASCII));
        HttpResponse<byte[]> replay = send("/orders-form", key, form, "item=book".getBytes(StandardCharsets.US_ASCII));
        HttpResponse<byte[]> other = send("/orders-form", key, form, "item=pen".getBytes(StandardCharsets.US_ASCII));

        assertThat(first.statusCode()).isEqualTo(302);
        assertThat(first.headers().firstValue("Location")).hasValueSatisfying(location ->
                assertThat(location).endsWith("/orders/book-1"));
        assertThat(replay.headers().firstValue("Location")).isEqualTo(first.headers().firstValue("Location"));
        assertReplayOf(replay, first);
        assertProblem(other, 422, "Idempotency key reused");
        assertThat(gate.runs()).isEqualTo(1);
    }

    private static HttpResponse<byte[]> send(String path, String key, String contentType, byte[] body,
            String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(app.uri(path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", contentType).header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return app.send(request.build());
    }
}

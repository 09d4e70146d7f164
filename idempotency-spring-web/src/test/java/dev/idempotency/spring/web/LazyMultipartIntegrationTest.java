package dev.idempotency.spring.web;

import static dev.idempotency.spring.web.testing.Wire.assertReplayOf;
import static dev.idempotency.spring.web.testing.Wire.newKey;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.idempotency.spring.web.PaymentsApp.Gate;
import dev.idempotency.spring.web.testing.WebApp;

/** Multipart uploads with Boot's {@code spring.servlet.multipart.resolve-lazily=true}: parts parsed on first use. */
class LazyMultipartIntegrationTest {

    private static WebApp app;
    private static Gate gate;

    @BeforeAll
    static void start() {
        app = WebApp.start(Map.of("idempotency.local-cache.enabled", "false",
                "spring.servlet.multipart.resolve-lazily", "true"), EdgeCasesApp.class);
        gate = app.bean(Gate.class);
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void runsAndReplaysAMultipartUploadWhosePartsAreResolvedLazily() {
        String key = newKey();

        HttpResponse<byte[]> plain = upload("/file-pairs-plain", key);
        HttpResponse<byte[]> first = upload("/file-pairs", key);
        HttpResponse<byte[]> replay = upload("/file-pairs", key);

        assertThat(WebApp.text(plain)).isEqualTo("plain files 1");
        // The adapter resolves the parts before anything reads the body, so they are there for the fingerprint and
        // for the handler (not a kept 400 "Required part 'file' is not present").
        assertThat(first.statusCode()).as(WebApp.text(first)).isEqualTo(200);
        assertThat(WebApp.text(first)).isEqualTo("files alpha run 1");
        assertReplayOf(replay, first);
        assertThat(gate.runs()).isEqualTo(1);
    }

    private static HttpResponse<byte[]> upload(String path, String key) {
        String body = "--lazy\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
                + "Content-Type: text/plain\r\n\r\nalpha\r\n--lazy--\r\n";
        return app.send(HttpRequest.newBuilder(app.uri(path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "multipart/form-data; boundary=lazy").header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build());
    }
}

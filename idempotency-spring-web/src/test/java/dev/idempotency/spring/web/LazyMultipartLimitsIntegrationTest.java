package dev.idempotency.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

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

/**
 * Boot's own multipart limit ({@code spring.servlet.multipart.max-file-size}) with parts resolved lazily: the
 * adapter resolves them first, and the application's answer to a file over the limit is the one it gives without
 * the framework, with the handler never run.
 */
class LazyMultipartLimitsIntegrationTest {

    private static WebApp app;
    private static Gate gate;

    @BeforeAll
    static void start() {
        app = WebApp.start(Map.of("idempotency.local-cache.enabled", "false",
                "spring.servlet.multipart.resolve-lazily", "true",
                "spring.servlet.multipart.max-file-size", "16B"), EdgeCasesApp.class);
        gate = app.bean(Gate.class);
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @BeforeEach
    void reset() {
        gate.reset();
    }

    @Test
    void answersAFileOverBootsMaxFileSizeAsTheApplicationDoesWithoutTheFramework() {
        String key = UUID.randomUUID().toString();

        HttpResponse<byte[]> plain = upload("/file-pairs-plain", key);
        HttpResponse<byte[]> first = upload("/file-pairs", key);
        HttpResponse<byte[]> retry = upload("/file-pairs", key);

        assertThat(plain.statusCode()).as(WebApp.text(plain)).isEqualTo(413);
        assertThat(first.statusCode()).as(WebApp.text(first)).isEqualTo(plain.statusCode());
        assertThat(retry.statusCode()).as(WebApp.text(retry)).isEqualTo(plain.statusCode());
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(gate.runs()).isZero();
    }

    private static HttpResponse<byte[]> upload(String path, String key) {
        String body = "--lazy\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
                + "Content-Type: text/plain\r\n\r\nalpha beta gamma delta epsilon\r\n--lazy--\r\n";
        return app.send(HttpRequest.newBuilder(app.uri(path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "multipart/form-data; boundary=lazy").header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build());
    }
}

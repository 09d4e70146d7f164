package dev.idempotency.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.idempotency.spring.web.PaymentsApp.Gate;
import dev.idempotency.spring.web.testing.WebApp;

/**
 * Paths that RFC 3986 (6.2.2) makes equivalent, and that the application routes to the same handler: the same key on
 * them is one request, replayed; a path that routes elsewhere with the same key is refused.
 */
class EquivalentPathsIntegrationTest {

    private static final String PAYMENT = "{\"card\":\"4242\",\"amount\":1000}";

    private static WebApp app;
    private static Gate gate;

    @BeforeAll
    static void start() {
        app = WebApp.start(Map.of("idempotency.local-cache.enabled", "false"), EdgeCasesApp.class);
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
    void replaysANonAsciiSegmentWhoseEscapesDifferOnlyInTheCaseOfTheirHexDigits() {
        String key = UUID.randomUUID().toString();

        HttpResponse<byte[]> first = app.post("/items/caf%c3%a9", key, PAYMENT);
        HttpResponse<byte[]> retry = app.post("/items/caf%C3%A9", key, PAYMENT);

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(WebApp.text(first)).isEqualTo("item caf\u00e9 run 1");
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).contains("true");
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(gate.runs()).isEqualTo(1);
    }

    @Test
    void replaysAPathWithASessionIdPathParameterAsThePathWithoutIt() {
        String key = UUID.randomUUID().toString();

        HttpResponse<byte[]> first = app.post("/items/abc", key, PAYMENT);
        HttpResponse<byte[]> withSession = app.post("/items/abc;jsessionid=0123ABCD", key, PAYMENT);

        assertThat(WebApp.text(first)).isEqualTo("item abc run 1");
        assertThat(withSession.statusCode()).as("%s", WebApp.text(withSession)).isEqualTo(200);
        assertThat(withSession.headers().firstValue("Idempotent-Replayed")).contains("true");
        assertThat(withSession.body()).isEqualTo(first.body());
        assertThat(gate.runs()).isEqualTo(1);
    }
}

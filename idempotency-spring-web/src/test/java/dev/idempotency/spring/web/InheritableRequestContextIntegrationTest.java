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
 * An application whose dispatcher makes the request context inheritable (DispatcherServlet#setThreadContextInheritable):
 * child threads of an idempotent handler see it as they do without the framework.
 */
class InheritableRequestContextIntegrationTest {

    private static final String PAYMENT = "{\"card\":\"4242\",\"amount\":1000}";

    private static WebApp app;
    private static Gate gate;

    @BeforeAll
    static void start() {
        app = WebApp.start(Map.of("idempotency.local-cache.enabled", "false"), NestedDispatchApp.class);
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
    void keepsTheRequestContextInheritableForChildThreadsOfAnIdempotentHandler() {
        HttpResponse<byte[]> plain = app.post("/child-thread-plain", null, PAYMENT);
        HttpResponse<byte[]> idempotent = app.post("/child-thread", UUID.randomUUID().toString(), PAYMENT);

        assertThat(WebApp.text(plain)).isEqualTo("child sees context: true");
        assertThat(idempotent.statusCode()).isEqualTo(200);
        assertThat(WebApp.text(idempotent)).isEqualTo("run 1 child sees context: true");
        assertThat(gate.runs()).isEqualTo(1);
    }
}

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
 * A handler method that dispatches (includes another endpoint) before it fails: the include's return does not count
 * as the idempotent handler method's.
 */
class NestedDispatchIntegrationTest {

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
        NestedDispatchApp.FAILURES.set(0);
    }

    @Test
    void releasesTheKeyWhenTheHandlerMethodThrowsAfterIncludingAnotherEndpoint() {
        String key = UUID.randomUUID().toString();
        NestedDispatchApp.FAILURES.set(1);

        HttpResponse<byte[]> first = app.post("/include-then-fail", key, PAYMENT);
        HttpResponse<byte[]> retry = app.post("/include-then-fail", key, PAYMENT);

        // The handler method threw (it never returned): the key is released, and the retry runs it again.
        assertThat(first.statusCode()).isEqualTo(500);
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).as("the retry is no replay").isEmpty();
        assertThat(gate.runs()).as("handler runs for one key").isEqualTo(2);
        assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(retry.statusCode()).isEqualTo(200);
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(WebApp.text(retry)).isEqualTo("fragment;paid 4242 run 2");
        assertThat(gate.runs()).as("handler runs for one key").isEqualTo(2);
    }
}

package dev.idempotency.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.idempotency.spring.web.PaymentsApp.Gate;
import dev.idempotency.spring.web.testing.WebApp;

/**
 * Endpoints without @Idempotent, after an idempotent request put the adapter's return value marker in front of
 * Spring MVC's return value handlers: asynchronous, streaming and wrapped return types answer as without it.
 */
class PlainReturnTypesIntegrationTest {

    private static final String PAYMENT = "{\"card\":\"4242\",\"amount\":1000}";

    private static WebApp app;

    @BeforeAll
    static void start() {
        app = WebApp.start(Map.of("idempotency.local-cache.enabled", "false"), NestedDispatchApp.class);
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void answersAsynchronousAndWrappedReturnTypesOfPlainEndpointsAfterAnIdempotentRequestAsBefore() {
        String[] types = { "deferred", "callable", "future", "streaming", "optional", "emitter", "entity" };
        Map<String, String> before = new java.util.LinkedHashMap<>();
        for (String type : types) {
            before.put(type, describe(app.post("/plain/" + type, null, PAYMENT)));
        }
        HttpResponse<byte[]> keyed = app.post("/include-then-fail", UUID.randomUUID().toString(), PAYMENT);
        assertThat(WebApp.text(keyed)).isEqualTo("fragment;paid 4242 run 1");
        assertThat(app.bean(Gate.class).runs()).isEqualTo(1);
        Map<String, String> after = new java.util.LinkedHashMap<>();
        for (String type : types) {
            after.put(type, describe(app.post("/plain/" + type, null, PAYMENT)));
        }

        assertThat(after).isEqualTo(before);
        assertThat(before.get("deferred")).isEqualTo("200 - deferred");
        assertThat(before.get("callable")).isEqualTo("200 - callable");
        assertThat(before.get("future")).isEqualTo("200 - future");
        assertThat(before.get("streaming")).isEqualTo("200 - streamed");
        assertThat(before.get("emitter")).isEqualTo("200 - emitted");
        assertThat(before.get("entity")).isEqualTo("201 yes entity");
    }

    private static String describe(HttpResponse<byte[]> response) {
        return response.statusCode() + " " + response.headers().firstValue("X-Entity").orElse("-") + " "
                + WebApp.text(response) + response.headers().firstValue("Idempotent-Replayed").map(r -> " replayed")
                        .orElse("");
    }
}

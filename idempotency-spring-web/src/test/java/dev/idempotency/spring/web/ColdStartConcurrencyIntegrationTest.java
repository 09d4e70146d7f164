package dev.idempotency.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.idempotency.spring.web.PaymentsApp.Gate;
import dev.idempotency.spring.web.testing.WebApp;

/**
 * The first requests of a cold application, 32 at once, idempotent and not: while the adapter installs its return
 * value marker, each answers as it would alone.
 */
class ColdStartConcurrencyIntegrationTest {

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
    void answersThirtyTwoFirstRequestsIdempotentAndNotAsEachAlone() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(32);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<String>> answers = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            boolean idempotent = i % 2 == 0;
            answers.add(pool.submit(() -> {
                go.await();
                HttpResponse<byte[]> response = idempotent
                        ? app.post("/include-then-fail", UUID.randomUUID().toString(), PAYMENT)
                        : app.post("/plain/entity", null, PAYMENT);
                return response.statusCode() + " " + WebApp.text(response).replaceAll("run \\d+", "run n");
            }));
        }
        go.countDown();
        List<String> results = new ArrayList<>();
        for (Future<String> answer : answers) {
            results.add(answer.get());
        }
        pool.shutdown();

        for (int i = 0; i < 32; i++) {
            assertThat(results.get(i)).isEqualTo(i % 2 == 0 ? "200 fragment;paid 4242 run n" : "201 entity");
        }
        assertThat(app.bean(Gate.class).runs()).isEqualTo(16);
    }
}

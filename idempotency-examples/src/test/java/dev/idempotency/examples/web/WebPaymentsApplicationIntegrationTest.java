package dev.idempotency.examples.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.idempotency.examples.PaymentGateway;

/**
 * The web example does what the README's curl session shows, on every store its profiles choose, over real HTTP: the
 * application started as {@code -Pweb} starts it (with the local server of its profile), once per profile, on a free
 * port of 127.0.0.1. The actuator on the same port counts the calls, and reports the store's health.
 */
class WebPaymentsApplicationIntegrationTest {

    private static final String PAYMENT = "{\"orderId\":\"order-1001\",\"cardToken\":\"tok_visa\",\"amountCents\":2500}";
    private static final String OTHER_AMOUNT =
            "{\"orderId\":\"order-1001\",\"cardToken\":\"tok_visa\",\"amountCents\":9900}";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"memory", "dynamodb", "postgres", "redis"})
    void chargesOnceReplaysTheFirstResponseAndCountsTheCalls(String profile) throws Exception {
        String storeType = profile.equals("postgres") ? "jdbc" : profile;
        try (ConfigurableApplicationContext context = WebPaymentsApplication.application().run(
                "--spring.profiles.active=" + profile, "--server.port=0", "--server.address=127.0.0.1",
                "--spring.main.banner-mode=off")) {
            String base = "http://127.0.0.1:" + ((WebServerApplicationContext) context).getWebServer().getPort();

            HttpResponse<byte[]> first = pay(base, "\"order-1001-attempt\"", PAYMENT);
            HttpResponse<byte[]> retry = pay(base, "\"order-1001-attempt\"", PAYMENT);
            HttpResponse<byte[]> otherBody = pay(base, "\"order-1001-attempt\"", OTHER_AMOUNT);
            HttpResponse<byte[]> noKey = pay(base, null, PAYMENT);

            assertThat(first.statusCode()).isEqualTo(201);
            assertThat(new String(first.body(), StandardCharsets.UTF_8))
                    .isEqualTo("{\"paymentId\":\"pay-1\",\"orderId\":\"order-1001\",\"amountCents\":2500}");
            assertThat(first.headers().firstValue("Location")).hasValue("/payments/pay-1");
            assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
            assertThat(retry.statusCode()).isEqualTo(201);
            assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
            assertThat(retry.headers().firstValue("Location")).hasValue("/payments/pay-1");
            assertThat(retry.body()).isEqualTo(first.body());
            assertThat(otherBody.statusCode()).isEqualTo(422);
            assertThat(otherBody.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(noKey.statusCode()).isEqualTo(400);
            assertThat(context.getBean(PaymentGateway.class).charges()).isEqualTo(1);

            assertThat(count(base, "idempotency.calls?tag=namespace:payments&tag=outcome:executed")).isEqualTo(1);
            assertThat(count(base, "idempotency.calls?tag=outcome:replayed_from_cache")
                    + count(base, "idempotency.calls?tag=outcome:replayed_from_store")).isGreaterThanOrEqualTo(1);
            assertThat(count(base, "idempotency.calls?tag=outcome:payload_mismatch")).isEqualTo(1);
            assertThat(count(base, "idempotency.calls?tag=namespace:payments&tag=outcome:invalid_key")).isEqualTo(1);
            // The first call's claim and completion went to this profile's store, and succeeded.
            assertThat(count(base, "idempotency.store.requests?tag=store:" + storeType
                    + "&tag=operation:claim&tag=result:success")).isGreaterThanOrEqualTo(1);
            assertThat(count(base, "idempotency.store.requests?tag=store:" + storeType
                    + "&tag=operation:complete&tag=result:success")).isEqualTo(1);

            JsonNode health = get(base + "/actuator/health", 200);
            assertThat(health.path("status").asString()).isEqualTo("UP");
            JsonNode idempotency = health.path("components").path("idempotency");
            if (profile.equals("memory")) {
                assertThat(idempotency.isMissingNode()).as("the in-memory store has no health indicator").isTrue();
            } else {
                assertThat(idempotency.path("status").asString()).isEqualTo("UP");
                assertThat(idempotency.path("details").path("store").asString()).isEqualTo(storeType);
            }
        }
    }

    private HttpResponse<byte[]> pay(String base, String key, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/payments"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header("Idempotency-Key", key);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** The COUNT of {@code /actuator/metrics/<meter>}: 0 where no meter has those tags (the endpoint's 404). */
    private double count(String base, String meter) throws IOException, InterruptedException {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(base + "/actuator/metrics/"
                + meter)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 404) {
            return 0;
        }
        assertThat(response.statusCode()).as(meter).isEqualTo(200);
        for (JsonNode measurement : JSON.readTree(response.body()).path("measurements")) {
            if (measurement.path("statistic").asString().equals("COUNT")) {
                return measurement.path("value").asDouble();
            }
        }
        throw new AssertionError("no COUNT in " + response.body());
    }

    private JsonNode get(String url, int status) throws IOException, InterruptedException {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(url + ": " + response.body()).isEqualTo(status);
        return JSON.readTree(response.body());
    }
}

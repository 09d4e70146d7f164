package dev.idempotency.examples.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import dev.idempotency.examples.PaymentGateway;

/** The web example does what the README's curl session shows. */
class WebPaymentsApplicationIntegrationTest {

    @Test
    void chargesOnceAndReplaysTheFirstResponse() throws Exception {
        try (ConfigurableApplicationContext context = SpringApplication.run(WebPaymentsApplication.class,
                "--server.port=0", "--server.address=127.0.0.1", "--spring.main.banner-mode=off")) {
            int port = ((WebServerApplicationContext) context).getWebServer().getPort();
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpRequest pay = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/payments"))
                    .header("Content-Type", "application/json")
                    .header("Idempotency-Key", "\"order-1001-attempt\"")
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"orderId\":\"order-1001\",\"cardToken\":\"tok_visa\",\"amountCents\":2500}"))
                    .build();

            HttpResponse<String> first = client.send(pay, HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> retry = client.send(pay, HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> noKey = client.send(HttpRequest.newBuilder(pay, (name, value) ->
                    !name.equalsIgnoreCase("Idempotency-Key")).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(first.statusCode()).isEqualTo(201);
            assertThat(first.body()).isEqualTo("{\"paymentId\":\"pay-1\",\"orderId\":\"order-1001\",\"amountCents\":2500}");
            assertThat(retry.statusCode()).isEqualTo(201);
            assertThat(retry.body()).isEqualTo(first.body());
            assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
            assertThat(noKey.statusCode()).isEqualTo(400);
            assertThat(context.getBean(PaymentGateway.class).charges()).isEqualTo(1);
        }
    }
}

package dev.idempotency.examples.web;

import java.net.URI;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import dev.idempotency.Idempotent;
import dev.idempotency.examples.CardDeclinedException;
import dev.idempotency.examples.PaymentGateway;
import dev.idempotency.examples.PaymentRequest;
import dev.idempotency.examples.Receipt;

/**
 * The payment story over HTTP: {@code POST /payments} with an {@code Idempotency-Key} header charges once, and a
 * retry with the same key gets the first response back, byte for byte, with {@code Idempotent-Replayed: true}.
 * Run it with {@code mvn -B -q -pl idempotency-examples -am package -DskipTests -Pweb} and try the README's curl
 * session against http://localhost:8080; metrics and health are on the same port, under {@code /actuator}.
 *
 * <p>The store is the Spring profile's: {@code memory} (the default), {@code dynamodb}, {@code postgres} or
 * {@code redis} ({@code -Pweb,redis}, or {@code --spring.profiles.active=redis}), each set up in its
 * {@code application-<profile>.properties}. A profile whose server is not named gets a local one
 * ({@link LocalStoreServer}).
 */
@SpringBootApplication
public class WebPaymentsApplication {

    private static final Logger LOG = LoggerFactory.getLogger(WebPaymentsApplication.class);

    public static void main(String[] args) {
        application().run(args);
    }

    /** The application as {@link #main} runs it: with the local server of its profile's store, where it needs one. */
    public static SpringApplication application() {
        SpringApplication application = new SpringApplication(WebPaymentsApplication.class);
        application.addInitializers(new LocalStoreServer());
        return application;
    }

    @Bean
    ApplicationListener<ApplicationReadyEvent> announce(Environment environment) {
        return ready -> LOG.info("POST http://localhost:{}/payments on the {} store; metrics at"
                        + " /actuator/metrics/idempotency.calls, health at /actuator/health",
                environment.getProperty("local.server.port"), environment.getProperty("idempotency.store.type"));
    }

    @Bean
    PaymentGateway paymentGateway() {
        return new PaymentGateway();
    }

    @RestController
    static class Payments {

        private final PaymentGateway gateway;

        Payments(PaymentGateway gateway) {
            this.gateway = gateway;
        }

        /** A declined card is a final answer: kept, and replayed to a retry (402) instead of charging again. */
        @Idempotent(name = "payments", finalExceptions = CardDeclinedException.class)
        @PostMapping("/payments")
        ResponseEntity<Receipt> pay(@RequestBody PaymentRequest request) {
            Receipt receipt = gateway.charge(request);
            return ResponseEntity.created(URI.create("/payments/" + receipt.paymentId())).body(receipt);
        }

        @ExceptionHandler(CardDeclinedException.class)
        ResponseEntity<String> declined(CardDeclinedException e) {
            return ResponseEntity.status(HttpStatus.PAYMENT_REQUIRED).body(e.getMessage());
        }
    }
}

package dev.idempotency.examples.web;

import java.net.URI;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
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
 * session against http://localhost:8080.
 */
@SpringBootApplication
public class WebPaymentsApplication {

    public static void main(String[] args) {
        SpringApplication.run(WebPaymentsApplication.class, args);
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
        @Idempotent(finalExceptions = CardDeclinedException.class)
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

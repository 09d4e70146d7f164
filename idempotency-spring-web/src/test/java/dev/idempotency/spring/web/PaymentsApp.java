package dev.idempotency.spring.web;

import java.net.URI;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import dev.idempotency.Idempotent;
import dev.idempotency.InProgressPolicy;
import dev.idempotency.spring.web.testing.SwitchableStore;
import dev.idempotency.spring.web.testing.UserHeaderFilter;
import dev.idempotency.store.InMemoryIdempotencyStore;
import dev.idempotency.testing.CountingIdempotencyStore;

/** A payments API with idempotent endpoints, on a store that counts its requests and can be taken down. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({ PaymentsApp.Payments.class, PaymentsApp.Ledger.class, PaymentsApp.Declines.class })
public class PaymentsApp {

    /** What a client sends. */
    public record Payment(String card, long amount) {
    }

    /** What the API answers. */
    public record Receipt(String id, String card, long amount, int run) {
    }

    /** Thrown for a declined card: a final answer, kept and replayed. */
    public static class CardDeclinedException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        public CardDeclinedException(String message) {
            super(message);
        }
    }

    /** Lets a test hold handlers inside their run, and counts the runs. */
    public static final class Gate {

        private final AtomicInteger runs = new AtomicInteger();
        private volatile CountDownLatch entered = new CountDownLatch(1);
        private volatile CountDownLatch release = new CountDownLatch(0);

        /** The next handlers that pass wait until {@link #open()}. */
        public void close() {
            entered = new CountDownLatch(1);
            release = new CountDownLatch(1);
        }

        public void open() {
            release.countDown();
        }

        public boolean awaitEntered() throws InterruptedException {
            return entered.await(10, TimeUnit.SECONDS);
        }

        int pass() {
            int run = runs.incrementAndGet();
            entered.countDown();
            try {
                if (!release.await(20, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the gate was not opened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            return run;
        }

        public int runs() {
            return runs.get();
        }

        public void reset() {
            runs.set(0);
            entered = new CountDownLatch(1);
            release = new CountDownLatch(0);
        }
    }

    @Bean
    Gate gate() {
        return new Gate();
    }

    @Bean
    SwitchableStore switchableStore() {
        return new SwitchableStore(InMemoryIdempotencyStore.create());
    }

    /** The store the engine uses (primary: SwitchableStore is a store bean too). */
    @Bean
    @Primary
    CountingIdempotencyStore idempotencyStore(SwitchableStore store) {
        return new CountingIdempotencyStore(store);
    }

    @Bean
    UserHeaderFilter userHeaderFilter() {
        return new UserHeaderFilter();
    }

    @RestController
    public static class Payments {

        private final Gate gate;
        private final Ledger ledger;
        private final AtomicInteger flaky = new AtomicInteger();

        public Payments(Gate gate, Ledger ledger) {
            this.gate = gate;
            this.ledger = ledger;
        }

        @Idempotent
        @PostMapping("/payments")
        public ResponseEntity<Receipt> pay(@RequestBody Payment payment) {
            int run = gate.pass();
            Receipt receipt = new Receipt("pay-" + run, payment.card(), payment.amount(), run);
            return ResponseEntity.created(URI.create("/payments/pay-" + run))
                    .header("Set-Cookie", "session=secret-" + run)
                    .header("X-Run", Integer.toString(run))
                    .body(receipt);
        }

        @Idempotent
        @PostMapping("/refunds")
        public ResponseEntity<Receipt> refund(@RequestBody Payment payment) {
            int run = gate.pass();
            return ResponseEntity.status(HttpStatus.CREATED).body(new Receipt("ref-" + run, payment.card(),
                    -payment.amount(), run));
        }

        @Idempotent
        @PostMapping("/orders/{id}/shipments")
        public Receipt ship(@PathVariable String id, @RequestBody Payment payment) {
            int run = gate.pass();
            return new Receipt("ship-" + id + "-" + run, payment.card(), payment.amount(), run);
        }

        /** Answers 500 on odd runs and 201 on even ones. */
        @Idempotent
        @PostMapping("/flaky")
        public ResponseEntity<Receipt> flaky(@RequestBody Payment payment) {
            int run = gate.pass();
            HttpStatus status = flaky.incrementAndGet() % 2 == 1 ? HttpStatus.INTERNAL_SERVER_ERROR
                    : HttpStatus.CREATED;
            return ResponseEntity.status(status).body(new Receipt("flaky-" + run, payment.card(), payment.amount(),
                    run));
        }

        /** Throws on odd runs. */
        @Idempotent
        @PostMapping("/failing")
        public Receipt failing(@RequestBody Payment payment) {
            int run = gate.pass();
            if (run % 2 == 1) {
                throw new IllegalStateException("the gateway timed out (test)");
            }
            return new Receipt("failing-" + run, payment.card(), payment.amount(), run);
        }

        @Idempotent(finalExceptions = CardDeclinedException.class)
        @PostMapping("/declines")
        public Receipt decline(@RequestBody Payment payment) {
            int run = gate.pass();
            throw new CardDeclinedException("card " + payment.card() + " declined (run " + run + ")");
        }

        @Idempotent(onInProgress = InProgressPolicy.WAIT)
        @PostMapping("/waiting")
        public Receipt waiting(@RequestBody Payment payment) {
            int run = gate.pass();
            return new Receipt("wait-" + run, payment.card(), payment.amount(), run);
        }

        /** A body of {@code amount} bytes. */
        @Idempotent
        @PostMapping("/reports")
        public String report(@RequestBody Payment payment) {
            gate.pass();
            return "x".repeat((int) payment.amount());
        }

        @PostMapping("/ledger-spel")
        public Receipt recordBySpel(@RequestBody Payment payment) {
            return ledger.recordBySpel(payment);
        }

        /** Not idempotent itself: the service method it calls is, by the request's header. */
        @PostMapping("/ledger")
        public Receipt record(@RequestBody Payment payment) {
            return ledger.record(payment);
        }
    }

    public static class Ledger {

        private final Gate gate;

        public Ledger(Gate gate) {
            this.gate = gate;
        }

        @Idempotent(name = "ledger.record", keyStrategy = IdempotencyKeyHeader.BEAN_NAME)
        public Receipt record(Payment payment) {
            int run = gate.pass();
            return new Receipt("ledger-" + run, payment.card(), payment.amount(), run);
        }

        @Idempotent(name = "ledger.spel", key = "@idempotencyKeyHeader.current()")
        public Receipt recordBySpel(Payment payment) {
            int run = gate.pass();
            return new Receipt("spel-" + run, payment.card(), payment.amount(), run);
        }
    }

    /** The application's own answer for a declined card. */
    @RestControllerAdvice
    public static class Declines {

        @ExceptionHandler(CardDeclinedException.class)
        public ResponseEntity<String> declined(CardDeclinedException e) {
            return ResponseEntity.status(HttpStatus.PAYMENT_REQUIRED).body("declined: " + e.getMessage());
        }
    }
}

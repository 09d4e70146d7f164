package dev.idempotency.examples;

import java.io.PrintStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import dev.idempotency.IdempotencyInProgressException;
import dev.idempotency.IdempotencyKeyException;
import dev.idempotency.IdempotencyPayloadMismatchException;

/** The story, told against any {@link Payments}: each step prints what happened and what the card network did. */
public final class PaymentStory {

    private final Payments payments;
    private final PaymentGateway gateway;
    private final PrintStream out;

    public PaymentStory(Payments payments, PaymentGateway gateway, PrintStream out) {
        this.payments = payments;
        this.gateway = gateway;
        this.out = out;
    }

    public void tell(String title) throws Exception {
        out.println("== " + title + " ==");
        PaymentRequest coffee = new PaymentRequest("order-1", "card-visa", 450);
        step("First call with key-A runs", payments.charge("key-A", coffee));
        step("Retry with key-A replays the same receipt without charging", payments.charge("key-A", coffee));

        PaymentRequest book = new PaymentRequest("order-2", "card-visa", 2_500);
        CountDownLatch held = gateway.holdCharges();
        CompletableFuture<Receipt> running = CompletableFuture.supplyAsync(() -> payments.charge("key-B", book));
        held.await();
        try {
            payments.charge("key-B", book);
        } catch (IdempotencyInProgressException e) {
            step("A concurrent duplicate of key-B is rejected (HTTP 409); the lease ends in "
                    + e.timeLeft().toSeconds() + " s", null);
        }
        CompletableFuture<Receipt> waiting = CompletableFuture.supplyAsync(() -> payments.chargeOrWait("key-B", book));
        gateway.release();
        step("The first call of key-B finishes", running.get());
        step("A duplicate that chose to wait gets the first result", waiting.get());

        try {
            payments.charge("key-A", new PaymentRequest("order-1", "card-visa", 99_900));
        } catch (IdempotencyPayloadMismatchException e) {
            step("key-A with a different amount is refused (HTTP 422)", null);
        }

        PaymentRequest lunch = new PaymentRequest("order-3", "card-visa", 1_200);
        gateway.failNextCall();
        try {
            payments.charge("key-C", lunch);
        } catch (IllegalStateException e) {
            step("key-C fails with '" + e.getMessage() + "'; its key is released", null);
        }
        step("Retry of key-C runs again and succeeds", payments.charge("key-C", lunch));

        PaymentRequest declined = new PaymentRequest("order-4", "declined-card", 700);
        for (String attempt : new String[] {"First call", "Retry"}) {
            try {
                payments.charge("key-D", declined);
            } catch (CardDeclinedException e) {
                step(attempt + " of key-D: " + e.getMessage() + " (a final answer, kept and replayed)", null);
            }
        }

        PaymentRequest tea = new PaymentRequest("order-5", "card-amex", 300);
        step("A custom key strategy keys by order and card", payments.pay(tea));
        step("The same order and card again replays", payments.pay(tea));
        try {
            payments.pay(null);
        } catch (IdempotencyKeyException e) {
            step("A request the strategy cannot key is refused (HTTP 400): IdempotencyKeyException", null);
        }
        out.println("The card network charged " + gateway.charges() + " times for 4 paid orders.");
    }

    private void step(String what, Receipt receipt) {
        out.println("- " + what + (receipt == null ? "" : ": " + receipt));
        out.println("  (charges so far: " + gateway.charges() + ")");
    }
}

package dev.idempotency.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotencyInProgressException;
import dev.idempotency.IdempotencyKeyException;
import dev.idempotency.IdempotencyPayloadMismatchException;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.InProgressPolicy;
import dev.idempotency.Idempotent;
import dev.idempotency.store.IdempotencyStore;
import dev.idempotency.store.InMemoryIdempotencyStore;

/**
 * The story told with the programmatic API, for code without Spring: each step prints what happened and what the
 * card network really did.
 */
public final class ProgrammaticExample {

    private final PrintStream out;
    private final PaymentGateway gateway = new PaymentGateway();
    private final Idempotency idempotency;
    private final IdempotentOperation<Receipt> charge;
    private final IdempotentOperation<Receipt> chargeWaiting;

    public ProgrammaticExample(IdempotencyStore store, PrintStream out) {
        this.out = out;
        this.idempotency = Idempotency.builder()
                .store(store)
                .config(IdempotencyConfig.builder().waitTimeout(Duration.ofSeconds(5)).build())
                .keyStrategy("order-and-card", invocation -> {
                    PaymentRequest request = (PaymentRequest) invocation.arguments()[0];
                    return request.orderId() + "/" + request.cardToken();
                })
                .build();
        this.charge = idempotency.operation("payments.charge", Receipt.class)
                .finalExceptions(CardDeclinedException.class)
                .build();
        this.chargeWaiting = idempotency.operation("payments.charge", Receipt.class)
                .onInProgress(InProgressPolicy.WAIT)
                .build();
    }

    public static void main(String[] args) throws Exception {
        new ProgrammaticExample(InMemoryIdempotencyStore.create(), System.out).run();
    }

    /** A method whose key comes from a custom key strategy: no idempotency key in the request at all. */
    public static class Checkout {
        @Idempotent(name = "checkout.pay", keyStrategy = "order-and-card")
        public Receipt pay(PaymentRequest request) {
            throw new UnsupportedOperationException("called through the operation");
        }
    }

    public void run() throws Exception {
        out.println("== Programmatic API, store: " + idempotency.store().getClass().getSimpleName() + " ==");
        PaymentRequest coffee = new PaymentRequest("order-1", "card-visa", 450);

        Receipt first = charge.execute("key-A", coffee, () -> gateway.charge(coffee));
        step("First call with key-A runs", first);

        Receipt retry = charge.execute("key-A", coffee, () -> gateway.charge(coffee));
        step("Retry with key-A replays the same receipt without charging", retry);

        CountDownLatch held = gateway.holdCharges();
        PaymentRequest book = new PaymentRequest("order-2", "card-visa", 2_500);
        CompletableFuture<Receipt> running = CompletableFuture.supplyAsync(
                () -> charge.execute("key-B", book, () -> gateway.charge(book)));
        held.await();
        try {
            charge.execute("key-B", book, () -> gateway.charge(book));
        } catch (IdempotencyInProgressException e) {
            step("A concurrent duplicate of key-B is rejected (HTTP 409), lease ends in " + e.timeLeft().toSeconds()
                    + " s", null);
        }
        CompletableFuture<Receipt> waiting = CompletableFuture.supplyAsync(
                () -> chargeWaiting.execute("key-B", book, () -> gateway.charge(book)));
        gateway.release();
        step("The first call of key-B finishes", running.get());
        step("A duplicate that chose to wait gets the first result", waiting.get());

        PaymentRequest tampered = new PaymentRequest("order-1", "card-visa", 99_900);
        try {
            charge.execute("key-A", tampered, () -> gateway.charge(tampered));
        } catch (IdempotencyPayloadMismatchException e) {
            step("key-A with a different amount is refused (HTTP 422)", null);
        }

        PaymentRequest lunch = new PaymentRequest("order-3", "card-visa", 1_200);
        gateway.failNextCall();
        try {
            charge.execute("key-C", lunch, () -> gateway.charge(lunch));
        } catch (IllegalStateException e) {
            step("key-C fails with '" + e.getMessage() + "'; its key is released", null);
        }
        step("Retry of key-C runs again and succeeds", charge.execute("key-C", lunch, () -> gateway.charge(lunch)));

        PaymentRequest declined = new PaymentRequest("order-4", "declined-card", 700);
        for (String attempt : new String[] {"First call", "Retry"}) {
            try {
                charge.execute("key-D", declined, () -> gateway.charge(declined));
            } catch (CardDeclinedException e) {
                step(attempt + " of key-D: " + e.getMessage() + " (a final answer, kept and replayed)", null);
            }
        }

        IdempotentOperation<Object> pay = idempotency.operation(Checkout.class.getMethod("pay", PaymentRequest.class));
        PaymentRequest tea = new PaymentRequest("order-5", "card-amex", 300);
        Object[] arguments = {tea};
        step("A custom key strategy keys by order and card",
                (Receipt) pay.invoke(arguments, () -> gateway.charge(tea)));
        step("The same order and card again replays",
                (Receipt) pay.invoke(arguments, () -> gateway.charge(tea)));
        try {
            pay.invoke(new Object[] {null}, () -> gateway.charge(tea));
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

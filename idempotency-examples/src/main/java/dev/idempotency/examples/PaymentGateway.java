package dev.idempotency.examples;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for a card network: it counts every charge it really makes, can be told to fail the next call with a
 * timeout, and can hold a charge open so a concurrent duplicate arrives while it runs.
 */
public class PaymentGateway {

    private final AtomicInteger charges = new AtomicInteger();
    private volatile boolean failNext;
    private volatile CountDownLatch hold;
    private volatile CountDownLatch holding;

    public Receipt charge(PaymentRequest request) {
        if (failNext) {
            failNext = false;
            throw new IllegalStateException("card network timed out");
        }
        if (request.cardToken().startsWith("declined")) {
            throw new CardDeclinedException("card " + request.cardToken() + " was declined");
        }
        CountDownLatch gate = hold;
        if (gate != null) {
            holding.countDown();
            try {
                gate.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        int n = charges.incrementAndGet();
        return new Receipt("pay-" + n, request.orderId(), request.amountCents());
    }

    /** How many charges really happened. */
    public int charges() {
        return charges.get();
    }

    public void failNextCall() {
        failNext = true;
    }

    /** Holds the next charges open until {@link #release()}; returns a latch that opens when one is held. */
    public CountDownLatch holdCharges() {
        hold = new CountDownLatch(1);
        holding = new CountDownLatch(1);
        return holding;
    }

    public void release() {
        CountDownLatch gate = hold;
        hold = null;
        if (gate != null) {
            gate.countDown();
        }
    }
}

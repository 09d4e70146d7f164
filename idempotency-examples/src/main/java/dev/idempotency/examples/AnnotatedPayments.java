package dev.idempotency.examples;

import dev.idempotency.Idempotent;
import dev.idempotency.InProgressPolicy;

/** {@link Payments} as a Spring bean: the annotations are all it takes. */
public class AnnotatedPayments implements Payments {

    private final PaymentGateway gateway;

    public AnnotatedPayments(PaymentGateway gateway) {
        this.gateway = gateway;
    }

    @Override
    @Idempotent(name = "payments.charge", key = "#idempotencyKey", finalExceptions = CardDeclinedException.class)
    public Receipt charge(String idempotencyKey, PaymentRequest request) {
        return gateway.charge(request);
    }

    @Override
    @Idempotent(name = "payments.charge", key = "#idempotencyKey", onInProgress = InProgressPolicy.WAIT)
    public Receipt chargeOrWait(String idempotencyKey, PaymentRequest request) {
        return gateway.charge(request);
    }

    @Override
    @Idempotent(name = "payments.pay", keyStrategy = "orderAndCard")
    public Receipt pay(PaymentRequest request) {
        return gateway.charge(request);
    }
}

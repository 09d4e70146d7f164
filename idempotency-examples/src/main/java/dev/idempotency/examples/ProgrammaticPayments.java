package dev.idempotency.examples;

import java.lang.reflect.Method;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.InProgressPolicy;
import dev.idempotency.key.KeyStrategy;
import dev.idempotency.store.IdempotencyStore;

/** {@link Payments} with the programmatic API: what code without Spring writes. */
public final class ProgrammaticPayments implements Payments {

    /** Keys a payment by its order and card, for clients that send no idempotency key. */
    static final KeyStrategy ORDER_AND_CARD = invocation -> {
        PaymentRequest request = (PaymentRequest) invocation.arguments()[0];
        return request.orderId() + "/" + request.cardToken();
    };

    private final PaymentGateway gateway;
    private final IdempotentOperation<Receipt> charge;
    private final IdempotentOperation<Receipt> chargeOrWait;
    private final IdempotentOperation<Object> pay;

    public ProgrammaticPayments(IdempotencyStore store, PaymentGateway gateway) {
        this.gateway = gateway;
        Idempotency idempotency = Idempotency.builder()
                .store(store)
                .keyStrategy("orderAndCard", ORDER_AND_CARD)
                .build();
        this.charge = idempotency.operation("payments.charge", Receipt.class)
                .finalExceptions(CardDeclinedException.class)
                .build();
        this.chargeOrWait = idempotency.operation("payments.charge", Receipt.class)
                .onInProgress(InProgressPolicy.WAIT)
                .build();
        // Without Spring, the same @Idempotent declaration drives the call: namespace, key strategy and all.
        this.pay = idempotency.operation(annotatedPay());
    }

    @Override
    public Receipt charge(String idempotencyKey, PaymentRequest request) {
        return charge.execute(idempotencyKey, request, () -> gateway.charge(request));
    }

    @Override
    public Receipt chargeOrWait(String idempotencyKey, PaymentRequest request) {
        return chargeOrWait.execute(idempotencyKey, request, () -> gateway.charge(request));
    }

    @Override
    public Receipt pay(PaymentRequest request) {
        return (Receipt) pay.invoke(new Object[] {request}, () -> gateway.charge(request));
    }

    private static Method annotatedPay() {
        try {
            return AnnotatedPayments.class.getMethod("pay", PaymentRequest.class);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }
}

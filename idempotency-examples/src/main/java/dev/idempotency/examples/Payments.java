package dev.idempotency.examples;

/**
 * The payment service the story calls, made idempotent two ways: {@link ProgrammaticPayments} with the programmatic
 * API, and {@link AnnotatedPayments} with {@code @Idempotent} on a Spring bean.
 */
public interface Payments {

    /** Charges once per idempotency key; a declined card is a final answer, kept and replayed. */
    Receipt charge(String idempotencyKey, PaymentRequest request);

    /** The same operation, but a duplicate of a charge still running waits for its result. */
    Receipt chargeOrWait(String idempotencyKey, PaymentRequest request);

    /** Charges once per order and card: the key comes from a custom key strategy, not from the client. */
    Receipt pay(PaymentRequest request);
}

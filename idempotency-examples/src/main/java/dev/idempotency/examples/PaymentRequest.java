package dev.idempotency.examples;

/** What a client asks for: charge an amount to a card for an order. */
public record PaymentRequest(String orderId, String cardToken, long amountCents) {
}

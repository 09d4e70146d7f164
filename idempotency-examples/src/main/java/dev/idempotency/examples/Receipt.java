package dev.idempotency.examples;

/** What a charge returns: kept by the framework and replayed to duplicates. */
public record Receipt(String paymentId, String orderId, long amountCents) {
}

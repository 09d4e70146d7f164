package dev.idempotency.examples;

/** A final answer from the card network: kept and replayed, never retried. */
public class CardDeclinedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public CardDeclinedException(String message) {
        super(message);
    }
}

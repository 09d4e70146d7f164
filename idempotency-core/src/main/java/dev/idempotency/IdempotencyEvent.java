package dev.idempotency;

/**
 * What a listener is told about a call: its namespace and record id ({@code namespace#sha256(key)}). Never the raw
 * key.
 */
public record IdempotencyEvent(String namespace, String recordId) {
}

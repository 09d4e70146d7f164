package dev.idempotency.jdbc.spring;

/** What the tests' services return: which run of the body made it. */
record Receipt(String orderId, int amount, int run) {
}

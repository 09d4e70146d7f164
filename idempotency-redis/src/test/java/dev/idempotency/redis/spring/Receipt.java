package dev.idempotency.redis.spring;

/** What the test methods return; {@code run} tells which run of the method made it. */
record Receipt(String orderId, int amount, int run) {
}

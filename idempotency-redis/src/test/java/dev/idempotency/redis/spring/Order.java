package dev.idempotency.redis.spring;

/** The request of the test methods. */
record Order(String id, int amount) {
}

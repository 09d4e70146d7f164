package dev.idempotency.dynamodb.spring;

/** The request of the test methods. */
record Order(String id, int amount) {
}

package dev.idempotency.jdbc.spring;

/** A request of the tests' services. */
record Order(String id, int amount) {
}

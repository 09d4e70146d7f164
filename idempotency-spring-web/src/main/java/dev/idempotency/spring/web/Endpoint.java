package dev.idempotency.spring.web;

import java.util.Set;

import org.jspecify.annotations.Nullable;

import dev.idempotency.IdempotentOperation;

/**
 * An idempotent endpoint: a handler method, its operation (none when it runs unprotected: a streaming handler under
 * {@link OversizedPolicy#RUN_UNPROTECTED}), and, for one made so by {@link IdempotencyWebConfig#routes()} rather than
 * by {@code @Idempotent}, the routes ({@code "POST /orders/{id}"}) it is protected on.
 */
record Endpoint(String description, @Nullable IdempotentOperation<StoredResponse> operation,
        @Nullable Set<String> routes) {
}

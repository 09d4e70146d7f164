package dev.idempotency.spring.web;

/**
 * What an endpoint does with what it cannot store whole: a request body above
 * {@link IdempotencyWebConfig#maxRequestBytes()}, a response body above {@link IdempotencyWebConfig#maxResponseBytes()}
 * (or above what the store keeps), and a handler whose body is written after it returns (a
 * {@code StreamingResponseBody}, an SSE emitter, a {@code DeferredResult}, {@code Callable} or
 * {@code CompletableFuture}). Nothing is ever stored half.
 */
public enum OversizedPolicy {

    /**
     * Never run unprotected. A request body too large is refused with 413 before the store is touched; a streaming
     * or asynchronous handler fails the application's startup; a response too large reaches the first caller whole,
     * and its record is completed without it, so that a retry is refused (500) instead of running the handler again.
     * The default.
     */
    REFUSE,

    /**
     * Run without protection: a request body too large goes to the handler with nothing read from or written to the
     * store; a streaming or asynchronous handler is left unprotected (logged at startup); a response too large is
     * streamed to the caller and its record released, so a retry runs the handler again.
     */
    RUN_UNPROTECTED
}

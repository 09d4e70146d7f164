package dev.idempotency.spring.web;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import dev.idempotency.IdempotencyInProgressException;
import dev.idempotency.IdempotencyKeyException;
import dev.idempotency.IdempotencyPayloadMismatchException;
import dev.idempotency.IdempotencyReplayException;
import dev.idempotency.IdempotencyStoreException;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Answers {@link dev.idempotency.IdempotencyException}s as RFC 9457 problem details ({@code application/problem+json}),
 * whether an idempotent endpoint raised them or an {@code @Idempotent} service method that a controller called:
 *
 * <table>
 * <caption>Answers</caption>
 * <tr><th>exception</th><th>status</th></tr>
 * <tr><td>{@link IdempotencyKeyException} (missing or malformed key)</td><td>400</td></tr>
 * <tr><td>{@link IdempotencyInProgressException}, with {@code Retry-After} from the lease</td><td>409</td></tr>
 * <tr><td>a request body too large to fingerprint</td><td>413</td></tr>
 * <tr><td>{@link IdempotencyPayloadMismatchException}</td><td>422</td></tr>
 * <tr><td>{@link IdempotencyReplayException}</td><td>500</td></tr>
 * <tr><td>{@link IdempotencyStoreException}</td><td>503</td></tr>
 * </table>
 *
 * <p>The details speak to the client: they never carry a method, a namespace, a record id or a key. The expected
 * answers (400, 409, 413, 422) are logged at DEBUG, a store failure at WARN without a stack trace, a replay that
 * failed at ERROR. Extend this class and override a method to change one answer (with Spring Boot, a bean of your
 * subclass replaces this one). For an idempotent endpoint the answers are written from this bean before the
 * application's exception handlers are asked, so that no catch-all handler changes them; for the service methods
 * that a controller calls, an advice of your own ordered before {@link #ORDER} can change them too.
 */
@RestControllerAdvice
@Order(IdempotencyExceptionHandler.ORDER)
public class IdempotencyExceptionHandler {

    /**
     * The order of this advice: before the application's advices of default order, so that a catch-all
     * {@code @ExceptionHandler(Exception.class)} does not turn these answers into 500s.
     */
    public static final int ORDER = Ordered.LOWEST_PRECEDENCE - 1000;

    private static final Logger log = LoggerFactory.getLogger(IdempotencyExceptionHandler.class);

    /** 400: no key where one is required, a malformed one, or a key that could not be read. */
    @ExceptionHandler(IdempotencyKeyException.class)
    public ResponseEntity<ProblemDetail> handleKey(IdempotencyKeyException e, HttpServletRequest request) {
        log.debug("Idempotency key refused ({} {}): {}", request.getMethod(), request.getRequestURI(), e.getMessage());
        String detail = e instanceof KeyHeader.InvalidKeyException ? e.getMessage()
                : "The request has no usable idempotency key.";
        return answer(problem(HttpStatus.BAD_REQUEST, "Invalid idempotency key", detail, request));
    }

    /** 409, with {@code Retry-After}: a request with the same key is still running. */
    @ExceptionHandler(IdempotencyInProgressException.class)
    public ResponseEntity<ProblemDetail> handleInProgress(IdempotencyInProgressException e,
            HttpServletRequest request) {
        long seconds = retryAfterSeconds(e.timeLeft());
        log.debug("Idempotent request still running ({} {}), retry after {} s: {}", request.getMethod(),
                request.getRequestURI(), seconds, e.getMessage());
        ProblemDetail problem = problem(HttpStatus.CONFLICT, "Request in progress", "A request with this"
                + " idempotency key is still being processed. Retry after " + seconds + " s to get its response.",
                request);
        return ResponseEntity.status(HttpStatus.CONFLICT).header(HttpHeaders.RETRY_AFTER, Long.toString(seconds))
                .body(problem);
    }

    /** 422: the key was used before with another request (method, route, query or body). */
    @ExceptionHandler(IdempotencyPayloadMismatchException.class)
    public ResponseEntity<ProblemDetail> handlePayloadMismatch(IdempotencyPayloadMismatchException e,
            HttpServletRequest request) {
        log.debug("Idempotency key reused with another request ({} {}): {}", request.getMethod(),
                request.getRequestURI(), e.getMessage());
        return answer(problem(HttpStatus.UNPROCESSABLE_CONTENT, "Idempotency key reused", "This idempotency key"
                + " was used before with a different request. Use a new key for a new request.", request));
    }

    /** 503: the store failed, and the request was not processed. */
    @ExceptionHandler(IdempotencyStoreException.class)
    public ResponseEntity<ProblemDetail> handleStore(IdempotencyStoreException e, HttpServletRequest request) {
        log.warn("Idempotency store unavailable ({} {}): {}", request.getMethod(), request.getRequestURI(),
                e.getMessage());
        return answer(problem(HttpStatus.SERVICE_UNAVAILABLE, "Idempotency store unavailable", "The request was"
                + " not processed because its idempotency key could not be checked. Retry later with the same"
                + " key.", request));
    }

    /** 500: the first request ran, but its outcome cannot be replayed; the handler did not run again. */
    @ExceptionHandler(IdempotencyReplayException.class)
    public ResponseEntity<ProblemDetail> handleReplay(IdempotencyReplayException e, HttpServletRequest request) {
        log.error("Idempotent response cannot be replayed ({} {})", request.getMethod(), request.getRequestURI(), e);
        return answer(problem(HttpStatus.INTERNAL_SERVER_ERROR, "Response not replayable", "The first request"
                + " with this idempotency key was processed, but its response cannot be replayed. It was not"
                + " processed again.", request));
    }

    /** 413: the body is larger than an idempotent endpoint reads, under {@code oversized=refuse}. */
    @ExceptionHandler(IdempotentHandlerAdapter.RequestTooLargeException.class)
    ResponseEntity<ProblemDetail> handleTooLarge(IdempotentHandlerAdapter.RequestTooLargeException e,
            HttpServletRequest request) {
        log.debug("Idempotent request too large ({} {}): {}", request.getMethod(), request.getRequestURI(),
                e.getMessage());
        return answer(problem(HttpStatus.CONTENT_TOO_LARGE, "Request too large", "The request body is larger than"
                + " the " + e.limit() + " bytes this endpoint accepts.", request));
    }

    /** A problem with the request's path as its {@code instance}. */
    protected ProblemDetail problem(HttpStatus status, String title, String detail, HttpServletRequest request) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setTitle(title);
        try {
            problem.setInstance(new URI(request.getRequestURI()));
        } catch (URISyntaxException e) {
            // A path the container let through but URI refuses: the problem goes without its instance.
        }
        return problem;
    }

    /** The seconds a client waits before a retry: the lease's time left, rounded up, at least 1. */
    protected static long retryAfterSeconds(Duration timeLeft) {
        long millis = Math.max(0, timeLeft.toMillis());
        return Math.max(1, (millis + 999) / 1000);
    }

    private static ResponseEntity<ProblemDetail> answer(ProblemDetail problem) {
        return ResponseEntity.status(problem.getStatus()).body(problem);
    }
}

package dev.idempotency.spring.web;

import java.util.Objects;

import org.jspecify.annotations.Nullable;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

import dev.idempotency.key.Invocation;
import dev.idempotency.key.KeyStrategy;

import jakarta.servlet.http.HttpServletRequest;

/**
 * The key of the current request's {@code Idempotency-Key} header, scoped by the caller, for {@code @Idempotent}
 * service methods called while a request is handled. Registered as the {@link KeyStrategy} bean
 * {@value #BEAN_NAME}:
 *
 * <pre>{@code
 * @Idempotent(keyStrategy = "idempotencyKeyHeader")
 * public Receipt pay(PaymentRequest request) { ... }
 *
 * @Idempotent(key = "@idempotencyKeyHeader.current()")     // the same, as SpEL
 * }</pre>
 *
 * <p>Outside a request, or without the header, there is no key (the call is refused as having none); a malformed
 * header makes the key strategy fail, which the caller gets as an {@link dev.idempotency.IdempotencyKeyException}
 * (400). The payload is still the method's arguments.
 */
public final class IdempotencyKeyHeader implements KeyStrategy {

    /** The bean name that {@code @Idempotent(keyStrategy = ...)} and SpEL use. */
    public static final String BEAN_NAME = "idempotencyKeyHeader";

    private final IdempotencyWebConfig config;
    private final IdempotencyScopeResolver scopes;

    IdempotencyKeyHeader(IdempotencyWebConfig config, IdempotencyScopeResolver scopes) {
        this.config = Objects.requireNonNull(config, "config must not be null");
        this.scopes = Objects.requireNonNull(scopes, "scopes must not be null");
    }

    @Override
    public @Nullable Object key(Invocation invocation) {
        return current();
    }

    /**
     * The current request's key, scoped by its caller; {@code null} outside a request or when the request has no
     * such header.
     *
     * @throws dev.idempotency.IdempotencyKeyException when the header is malformed
     */
    public @Nullable String current() {
        RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
        if (!(attributes instanceof ServletRequestAttributes servlet)) {
            return null;
        }
        HttpServletRequest request = servlet.getRequest();
        String key = KeyHeader.read(request, config.headerName(), config.namespace());
        return key == null ? null : KeyHeader.scoped(scopes.scope(request), key);
    }

    @Override
    public String toString() {
        return "IdempotencyKeyHeader[" + config.headerName() + "]";
    }
}

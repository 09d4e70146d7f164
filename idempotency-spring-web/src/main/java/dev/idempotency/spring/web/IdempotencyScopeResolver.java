package dev.idempotency.spring.web;

import java.security.Principal;

import org.jspecify.annotations.Nullable;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Whose key a request's {@code Idempotency-Key} is: the key is scoped by what this returns, so that two callers'
 * equal keys never meet. The scope becomes part of the key, which is hashed before it reaches the store: the raw
 * scope (a user name, a tenant id) is never stored. Requests with no scope ({@code null}) share one.
 *
 * <p>The default is {@link #principal()}. Define a bean of this type to scope by tenant, API client or account:
 * {@code request -> request.getHeader("X-Tenant-Id")} (only behind a gateway that sets it).
 */
@FunctionalInterface
public interface IdempotencyScopeResolver {

    /** The scope of {@code request}'s key, or {@code null} for the scope that anonymous requests share. */
    @Nullable String scope(HttpServletRequest request);

    /** The authenticated principal's name ({@link HttpServletRequest#getUserPrincipal()}), if there is one. */
    static IdempotencyScopeResolver principal() {
        return request -> {
            Principal principal = request.getUserPrincipal();
            return principal == null ? null : principal.getName();
        };
    }

    /** One scope for every caller: only for services whose callers cannot see each other's keys. */
    static IdempotencyScopeResolver none() {
        return request -> null;
    }
}

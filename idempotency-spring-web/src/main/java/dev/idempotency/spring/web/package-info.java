/**
 * Idempotency-Key for Spring MVC endpoints: {@link dev.idempotency.Idempotent} on a handler method makes the endpoint
 * replay its first response, byte for byte, to a retried request with the same key, and answer the IETF draft's
 * errors as RFC 9457 problem details. Import {@link dev.idempotency.spring.web.IdempotencyWebConfiguration}, or let
 * Spring Boot's auto-configuration do it.
 */
@NullMarked
package dev.idempotency.spring.web;

import org.jspecify.annotations.NullMarked;

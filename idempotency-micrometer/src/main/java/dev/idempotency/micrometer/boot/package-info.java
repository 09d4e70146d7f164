/**
 * Spring Boot auto-configuration of the Micrometer instrumentation: the listener and observer of
 * {@link dev.idempotency.micrometer.IdempotencyMetrics} as beans, which the Spring integration gives its engine.
 */
@NullMarked
package dev.idempotency.micrometer.boot;

import org.jspecify.annotations.NullMarked;

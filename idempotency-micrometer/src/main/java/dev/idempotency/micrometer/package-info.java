/**
 * Micrometer metrics and observations of idempotent calls: {@link dev.idempotency.micrometer.IdempotencyMetrics}
 * counts calls by outcome, times every store request, and makes an {@code Observation} of each call, so that a trace
 * shows idempotency as a span of its own around the body. Tags and key values name the operation (its namespace),
 * never a key or a record.
 */
@NullMarked
package dev.idempotency.micrometer;

import org.jspecify.annotations.NullMarked;

/**
 * Make an operation idempotent: {@link dev.idempotency.Idempotent} on a method (with an integration such as Spring),
 * or {@link dev.idempotency.Idempotency} programmatically. A retried, double-clicked or redelivered call with the
 * same key replays the first call's result instead of running again.
 */
@NullMarked
package dev.idempotency;

import org.jspecify.annotations.NullMarked;

/**
 * Spring integration: {@link dev.idempotency.spring.EnableIdempotency} applies {@link dev.idempotency.Idempotent} to
 * Spring beans through an aspect over the programmatic API, with the store and settings from the
 * {@code idempotency.*} properties ({@link dev.idempotency.spring.IdempotencyProperties}).
 */
@NullMarked
package dev.idempotency.spring;

import org.jspecify.annotations.NullMarked;

/**
 * The Redis store's Spring wiring: {@code idempotency.store.type=redis} and the {@code idempotency.redis.*}
 * properties. Used by the Spring module when it is on the class path; nothing here is meant to be called directly.
 */
@NullMarked
package dev.idempotency.redis.spring;

import org.jspecify.annotations.NullMarked;

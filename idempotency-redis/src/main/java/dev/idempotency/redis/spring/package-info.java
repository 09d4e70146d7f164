/**
 * The Redis store's Spring wiring: {@code idempotency.store.type=redis} and the {@code idempotency.redis.*}
 * properties, and in Spring Boot the {@code idempotency} health indicator ({@code PING}). Used by the Spring module
 * and by Boot when they are on the class path; nothing here is meant to be called directly.
 */
@NullMarked
package dev.idempotency.redis.spring;

import org.jspecify.annotations.NullMarked;

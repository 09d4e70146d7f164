/**
 * The JDBC store's Spring wiring: {@code idempotency.store.type=jdbc} and the {@code idempotency.jdbc.*} properties,
 * the startup check of transactional completion, and the purge schedule. Used by the Spring module when it is on the
 * class path; nothing here is meant to be called directly.
 */
@NullMarked
package dev.idempotency.jdbc.spring;

import org.jspecify.annotations.NullMarked;

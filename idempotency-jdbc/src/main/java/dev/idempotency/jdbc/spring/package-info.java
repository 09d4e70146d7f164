/**
 * The JDBC store's Spring wiring: {@code idempotency.store.type=jdbc} and the {@code idempotency.jdbc.*} properties,
 * the startup check of transactional completion, the purge schedule, and in Spring Boot the {@code idempotency}
 * health indicator (the table answers a query). Used by the Spring module and by Boot when they are on the class
 * path; nothing here is meant to be called directly.
 */
@NullMarked
package dev.idempotency.jdbc.spring;

import org.jspecify.annotations.NullMarked;

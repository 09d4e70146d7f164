/**
 * Spring Boot auto-configuration of idempotent endpoints, bound to the {@code idempotency.web.*} properties.
 */
@NullMarked
package dev.idempotency.spring.web.boot;

import org.jspecify.annotations.NullMarked;

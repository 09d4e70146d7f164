/**
 * Spring Boot auto-configuration of the Spring integration, bound to the {@code idempotency.*} properties.
 */
@NullMarked
package dev.idempotency.spring.boot;

import org.jspecify.annotations.NullMarked;

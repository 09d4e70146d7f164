/**
 * The DynamoDB store's Spring wiring: {@code idempotency.store.type=dynamodb} and the {@code idempotency.dynamodb.*}
 * properties, and in Spring Boot the {@code idempotency} health indicator (its table exists and is active). Used by
 * the Spring module and by Boot when they are on the class path; nothing here is meant to be called directly.
 */
@NullMarked
package dev.idempotency.dynamodb.spring;

import org.jspecify.annotations.NullMarked;

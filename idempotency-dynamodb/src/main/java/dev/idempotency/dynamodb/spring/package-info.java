/**
 * The DynamoDB store's Spring wiring: {@code idempotency.store.type=dynamodb} and the {@code idempotency.dynamodb.*}
 * properties. Used by the Spring module when it is on the class path; nothing here is meant to be called directly.
 */
@NullMarked
package dev.idempotency.dynamodb.spring;

import org.jspecify.annotations.NullMarked;

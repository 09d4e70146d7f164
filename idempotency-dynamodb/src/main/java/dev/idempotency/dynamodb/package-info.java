/**
 * The DynamoDB store: {@link dev.idempotency.dynamodb.DynamoDbIdempotencyStore} keeps idempotency records in one
 * table that every instance of a service shares, and {@link dev.idempotency.dynamodb.DynamoDbIdempotencyTable}
 * creates that table.
 */
@NullMarked
package dev.idempotency.dynamodb;

import org.jspecify.annotations.NullMarked;

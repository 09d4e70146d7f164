/**
 * The Redis store: {@link dev.idempotency.redis.RedisIdempotencyStore} keeps idempotency records in Redis or Valkey,
 * standalone or Redis Cluster, on Lettuce; one key and one script per operation.
 */
@NullMarked
package dev.idempotency.redis;

import org.jspecify.annotations.NullMarked;

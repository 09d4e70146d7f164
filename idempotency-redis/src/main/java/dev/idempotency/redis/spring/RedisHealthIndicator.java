package dev.idempotency.redis.spring;

import java.time.Duration;
import java.util.function.Supplier;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

import dev.idempotency.redis.RedisIdempotencyStore;
import dev.idempotency.store.IdempotencyStore;

/**
 * The health of the Redis store: up while Redis answers {@code PING} on the store's own connection within
 * {@link #TIMEOUT}, down otherwise. Details: the key prefix, or the error (which names host and port, never a
 * password).
 */
final class RedisHealthIndicator extends AbstractHealthIndicator {

    /** How long one check waits for {@code PONG}. */
    static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final Supplier<IdempotencyStore> store;

    /** {@code store} is asked at each check: the engine's store, which is made after this indicator may be. */
    RedisHealthIndicator(Supplier<IdempotencyStore> store) {
        super("The Redis idempotency store's health check failed");
        this.store = store;
    }

    @Override
    protected void doHealthCheck(Health.Builder health) {
        if (!(store.get() instanceof RedisIdempotencyStore redis)) {
            health.unknown().withDetail("store", "not the Redis store");
            return;
        }
        health.withDetail("store", "redis").withDetail("keyPrefix", redis.keyPrefix());
        health.withDetail("ping", redis.ping(TIMEOUT)).up();
    }
}

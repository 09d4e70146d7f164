package dev.idempotency.internal;

import java.time.Clock;
import java.time.Duration;

import org.jspecify.annotations.Nullable;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;

import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.RecordStatus;

/**
 * Completed records cached in this JVM, bounded, each entry gone no later than its record expires. Expiry is
 * checked against the engine's clock on every read too, so a moved test clock is honoured at once.
 */
final class LocalCache {

    private final Cache<String, IdempotencyRecord> cache;
    private final Clock clock;

    LocalCache(long maxSize, Clock clock) {
        this.clock = clock;
        this.cache = Caffeine.newBuilder()
                .maximumSize(maxSize)
                .expireAfter(Expiry.creating((String id, IdempotencyRecord record) -> timeLeft(record)))
                .build();
    }

    @Nullable IdempotencyRecord get(String id) {
        IdempotencyRecord record = cache.getIfPresent(id);
        if (record != null && record.isExpired(clock.instant())) {
            cache.invalidate(id);
            return null;
        }
        return record;
    }

    void put(IdempotencyRecord record) {
        if (record.status() == RecordStatus.COMPLETED && !record.isExpired(clock.instant())) {
            cache.put(record.id(), record);
        }
    }

    private Duration timeLeft(IdempotencyRecord record) {
        Duration left = Duration.between(clock.instant(), record.expiresAt());
        return left.isNegative() ? Duration.ZERO : left;
    }
}

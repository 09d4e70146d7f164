package dev.idempotency.internal;

import java.lang.reflect.Type;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

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

    /**
     * A cached record, with its decoded result when that result is immutable and may be handed to every duplicate
     * of an operation whose result type is {@code type}.
     */
    record Entry(IdempotencyRecord record, @Nullable Type type, @Nullable Object value, Duration lifetime) {

        boolean hasValueOf(Type resultType) {
            return resultType.equals(type);
        }
    }

    private final Cache<String, Entry> cache;
    private final Clock clock;

    LocalCache(long maxSize, Clock clock) {
        this.clock = clock;
        this.cache = Caffeine.newBuilder()
                .maximumSize(maxSize)
                // Maintenance is cheap and amortized; running it on the caller avoids waking a pool thread per hit.
                .executor(Runnable::run)
                .expireAfter(Expiry.creating((String id, Entry entry) -> entry.lifetime))
                .build();
    }

    @Nullable Entry get(String id) {
        Entry entry = cache.getIfPresent(id);
        if (entry != null && entry.record.isExpired(clock.instant())) {
            cache.invalidate(id);
            return null;
        }
        return entry;
    }

    /**
     * Caches a completed record as of {@code now} (the caller's reading of the clock, so a call reads it once);
     * {@code type} is null when its value must be decoded anew for each duplicate.
     */
    void put(IdempotencyRecord record, @Nullable Type type, @Nullable Object value, Instant now) {
        if (record.status() == RecordStatus.COMPLETED && !record.isExpired(now)) {
            cache.put(record.id(), new Entry(record, type, value, Duration.between(now, record.expiresAt())));
        }
    }
}

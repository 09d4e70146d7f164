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

    /** In {@link Entry#sharedValue}: no value decoded from the record's bytes is held. */
    static final Object NOT_DECODED = new Object();

    /**
     * A cached record. When its result type is immutable ({@code shareableType}), the value decoded from the
     * record's bytes is kept after the first replay and handed to every later duplicate. It is always a decoded
     * value, never the body's own object, so a local replay equals what the store would replay.
     */
    static final class Entry {

        private final IdempotencyRecord record;
        private final @Nullable Type shareableType;
        private final Duration lifetime;
        private volatile @Nullable Object value;

        private Entry(IdempotencyRecord record, @Nullable Type shareableType, @Nullable Object value,
                Duration lifetime) {
            this.record = record;
            this.shareableType = shareableType;
            this.value = value;
            this.lifetime = lifetime;
        }

        IdempotencyRecord record() {
            return record;
        }

        /** The decoded value shared by duplicates of an operation returning {@code resultType}, or NOT_DECODED. */
        @Nullable Object sharedValue(Type resultType) {
            return resultType.equals(shareableType) ? value : NOT_DECODED;
        }

        /** Keeps {@code decoded}, read from this record's bytes as {@code resultType}, when it may be shared. */
        void share(Type resultType, @Nullable Object decoded) {
            if (resultType.equals(shareableType)) {
                value = decoded;
            }
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
     * Caches a completed record as of {@code now} (the caller's reading of the clock, so a call reads it once).
     * {@code shareableType} is null when each duplicate must decode its own value; {@code decoded} is a value read
     * from the record's bytes, or {@link #NOT_DECODED}.
     */
    void put(IdempotencyRecord record, @Nullable Type shareableType, @Nullable Object decoded, Instant now) {
        if (record.status() == RecordStatus.COMPLETED && !record.isExpired(now)) {
            cache.put(record.id(), new Entry(record, shareableType, shareableType == null ? NOT_DECODED : decoded,
                    Duration.between(now, record.expiresAt())));
        }
    }
}

package dev.idempotency.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

/**
 * The embedded default store: records in this JVM's memory. It protects one process only, so it suits tests,
 * single-instance services and local development; use a shared store (DynamoDB) to deduplicate across instances.
 *
 * <p>Every operation is atomic per record ({@link ConcurrentHashMap#compute}). Expired records are swept during
 * claims, once per half as many claims as there are records, so a sweep costs a constant amount per claim and
 * memory stays proportional to the records alive within the retention window. Records are kept packed (about 230
 * bytes each plus the result, against about 410 as {@link IdempotencyRecord}s with their strings), because the heap
 * and the garbage collector pay for every record a busy service keeps for a day.
 */
public final class InMemoryIdempotencyStore implements IdempotencyStore {

    /** The fewest claims between two sweeps of expired records. */
    private static final int MIN_CLAIMS_BETWEEN_SWEEPS = 4096;

    private final ConcurrentMap<RecordKey, PackedRecord> records = new ConcurrentHashMap<>();
    private final RecordKey.Packer keys = new RecordKey.Packer();
    private final AtomicInteger claimsSincePurge = new AtomicInteger();
    private final int maxResultBytes;

    private InMemoryIdempotencyStore(Builder builder) {
        this.maxResultBytes = builder.maxResultBytes;
    }

    /** A store with no limit on result size. */
    public static InMemoryIdempotencyStore create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public ClaimResult claim(IdempotencyRecord record, Instant now) {
        Objects.requireNonNull(record, "record must not be null");
        Objects.requireNonNull(now, "now must not be null");
        if (record.status() != RecordStatus.IN_PROGRESS) {
            throw new IllegalArgumentException("a claim writes an IN_PROGRESS record, but was " + record.status());
        }
        purgeNowAndThen(now);
        PackedRecord[] blocking = new PackedRecord[1];
        records.compute(keys.forClaim(record.id()), (key, current) -> {
            if (current == null || current.isClaimable(now)) {
                return new PackedRecord(record);
            }
            blocking[0] = current;
            return current;
        });
        return blocking[0] == null ? ClaimResult.claimed() : ClaimResult.conflict(blocking[0].unpack(record.id()));
    }

    @Override
    public boolean complete(IdempotencyRecord finished) {
        Objects.requireNonNull(finished, "finished must not be null");
        if (finished.status() == RecordStatus.IN_PROGRESS) {
            throw new IllegalArgumentException("complete writes a COMPLETED or FAILED record, but was IN_PROGRESS");
        }
        PackedRecord packed = new PackedRecord(finished);
        boolean[] done = new boolean[1];
        records.computeIfPresent(keys.forLookup(finished.id()), (key, current) -> {
            if (ownedBy(current, finished.claimToken())) {
                done[0] = true;
                return packed;
            }
            return current;
        });
        return done[0];
    }

    @Override
    public boolean release(String id, String claimToken) {
        Objects.requireNonNull(id, "id must not be null");
        Objects.requireNonNull(claimToken, "claimToken must not be null");
        boolean[] done = new boolean[1];
        records.computeIfPresent(keys.forLookup(id), (key, current) -> {
            if (ownedBy(current, claimToken)) {
                done[0] = true;
                return null;
            }
            return current;
        });
        return done[0];
    }

    @Override
    public Optional<IdempotencyRecord> find(String id) {
        PackedRecord packed = records.get(keys.forLookup(Objects.requireNonNull(id, "id must not be null")));
        return packed == null ? Optional.empty() : Optional.of(packed.unpack(id));
    }

    @Override
    public int maxResultBytes() {
        return maxResultBytes;
    }

    /** How many records the store holds now, expired ones included until the next sweep. */
    public int size() {
        return records.size();
    }

    private static boolean ownedBy(@Nullable PackedRecord current, String claimToken) {
        return current != null && current.status() == RecordStatus.IN_PROGRESS && current.isOwnedBy(claimToken);
    }

    private void purgeNowAndThen(Instant now) {
        int claims = claimsSincePurge.incrementAndGet();
        if (claims >= MIN_CLAIMS_BETWEEN_SWEEPS && claims >= records.size() / 2
                && claimsSincePurge.compareAndSet(claims, 0)) {
            records.values().removeIf(r -> r.isExpired(now));
        }
    }

    @Override
    public String toString() {
        return "InMemoryIdempotencyStore[records=" + records.size() + ", maxResultBytes=" + maxResultBytes + "]";
    }

    /** Builds an {@link InMemoryIdempotencyStore}. */
    public static final class Builder {

        private int maxResultBytes = Integer.MAX_VALUE;

        private Builder() {
        }

        /** The largest serialized result kept, in bytes; default unlimited. */
        public Builder maxResultBytes(int maxResultBytes) {
            if (maxResultBytes <= 0) {
                throw new IllegalArgumentException("maxResultBytes must be positive, but was " + maxResultBytes);
            }
            this.maxResultBytes = maxResultBytes;
            return this;
        }

        public InMemoryIdempotencyStore build() {
            return new InMemoryIdempotencyStore(this);
        }
    }
}

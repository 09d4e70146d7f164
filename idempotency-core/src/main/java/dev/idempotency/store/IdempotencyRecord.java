package dev.idempotency.store;

import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * What a store keeps for one key. Immutable.
 *
 * @param id             {@code namespace#sha256(key)}; never the raw key
 * @param status         the state of the call
 * @param fingerprint    the payload fingerprint of the call that created the record
 * @param claimToken     the fencing token of the call that owns the record
 * @param expiresAt      when the record stops counting; stores keep it in whole epoch seconds (the TTL attribute)
 * @param leaseExpiresAt for {@link RecordStatus#IN_PROGRESS}: until when the owner holds the key; stores keep it
 *                       in whole epoch milliseconds; {@code null} otherwise
 * @param result         the serialized result ({@code COMPLETED}) or failure ({@code FAILED}); {@code null} for
 *                       {@code IN_PROGRESS}, and for a {@code COMPLETED} record whose result could not be kept
 */
public record IdempotencyRecord(
        String id,
        RecordStatus status,
        String fingerprint,
        String claimToken,
        Instant expiresAt,
        @Nullable Instant leaseExpiresAt,
        byte @Nullable [] result) {

    public IdempotencyRecord {
        Objects.requireNonNull(id, "id must not be null");
        Objects.requireNonNull(status, "status must not be null");
        Objects.requireNonNull(fingerprint, "fingerprint must not be null");
        Objects.requireNonNull(claimToken, "claimToken must not be null");
        Objects.requireNonNull(expiresAt, "expiresAt must not be null");
        if (status == RecordStatus.IN_PROGRESS && leaseExpiresAt == null) {
            throw new IllegalArgumentException("an IN_PROGRESS record needs a leaseExpiresAt");
        }
    }

    /** A new {@code IN_PROGRESS} record, as a claim writes it. */
    public static IdempotencyRecord inProgress(
            String id, String fingerprint, String claimToken, Instant expiresAt, Instant leaseExpiresAt) {
        return new IdempotencyRecord(
                id, RecordStatus.IN_PROGRESS, fingerprint, claimToken, expiresAt, leaseExpiresAt, null);
    }

    /** This record finished with {@code status} and {@code result}, retained until {@code expiresAt}. */
    public IdempotencyRecord finish(RecordStatus status, byte @Nullable [] result, Instant expiresAt) {
        if (status == RecordStatus.IN_PROGRESS) {
            throw new IllegalArgumentException("a finished record is COMPLETED or FAILED, not IN_PROGRESS");
        }
        return new IdempotencyRecord(id, status, fingerprint, claimToken, expiresAt, null, result);
    }

    /** Whether the record no longer counts at {@code now}: a call may claim the key again. */
    public boolean isExpired(Instant now) {
        return !now.isBefore(expiresAt);
    }

    /** Whether an {@code IN_PROGRESS} record's owner has run out of lease at {@code now}. */
    public boolean isLeaseExpired(Instant now) {
        return status == RecordStatus.IN_PROGRESS && leaseExpiresAt != null && !now.isBefore(leaseExpiresAt);
    }

    /** Whether a claim at {@code now} may replace this record: it expired, or its owner's lease ran out. */
    public boolean isClaimable(Instant now) {
        return isExpired(now) || isLeaseExpired(now);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IdempotencyRecord other
                && id.equals(other.id)
                && status == other.status
                && fingerprint.equals(other.fingerprint)
                && claimToken.equals(other.claimToken)
                && expiresAt.equals(other.expiresAt)
                && Objects.equals(leaseExpiresAt, other.leaseExpiresAt)
                && Arrays.equals(result, other.result);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, status, fingerprint, claimToken, expiresAt, leaseExpiresAt) * 31
                + Arrays.hashCode(result);
    }

    @Override
    public String toString() {
        // The result may hold personal data: print its size only.
        return "IdempotencyRecord[id=" + id + ", status=" + status + ", expiresAt=" + expiresAt
                + ", leaseExpiresAt=" + leaseExpiresAt
                + ", result=" + (result == null ? "none" : result.length + " bytes") + "]";
    }
}

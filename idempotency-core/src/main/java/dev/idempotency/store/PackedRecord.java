package dev.idempotency.store;

import static dev.idempotency.store.LowerHex.SHA256_DIGITS;
import static dev.idempotency.store.LowerHex.isLowerHex;

import java.time.Instant;
import java.util.HexFormat;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * A record as {@link InMemoryIdempotencyStore} keeps it. The store may hold millions of records for a day each, and
 * garbage collection pays for every object it keeps, so a record is packed into one object: times as numbers, the
 * engine's fingerprint (64 hex digits) and claim token (a UUID) as longs. Texts in any other form are kept as given,
 * so whatever a caller stored comes back equal. Immutable.
 */
final class PackedRecord {

    private static final RecordStatus[] STATUSES = RecordStatus.values();
    private static final HexFormat HEX = HexFormat.of();
    /** In {@code leaseNano}: no lease. Nanoseconds of an {@link Instant} are never negative. */
    private static final int NO_LEASE = -1;

    private final byte status;
    private final long expiresAtSecond;
    private final int expiresAtNano;
    private final long leaseSecond;
    private final int leaseNano;
    private final long fingerprint0;
    private final long fingerprint1;
    private final long fingerprint2;
    private final long fingerprint3;
    private final @Nullable String fingerprintText;
    private final long tokenHigh;
    private final long tokenLow;
    private final @Nullable String tokenText;
    private final byte @Nullable [] result;

    PackedRecord(IdempotencyRecord record) {
        status = (byte) record.status().ordinal();
        expiresAtSecond = record.expiresAt().getEpochSecond();
        expiresAtNano = record.expiresAt().getNano();
        Instant lease = record.leaseExpiresAt();
        leaseSecond = lease == null ? 0 : lease.getEpochSecond();
        leaseNano = lease == null ? NO_LEASE : lease.getNano();
        String fingerprint = record.fingerprint();
        if (fingerprint.length() == SHA256_DIGITS && isLowerHex(fingerprint, 0, SHA256_DIGITS)) {
            fingerprint0 = HexFormat.fromHexDigitsToLong(fingerprint, 0, 16);
            fingerprint1 = HexFormat.fromHexDigitsToLong(fingerprint, 16, 32);
            fingerprint2 = HexFormat.fromHexDigitsToLong(fingerprint, 32, 48);
            fingerprint3 = HexFormat.fromHexDigitsToLong(fingerprint, 48, 64);
            fingerprintText = null;
        } else {
            fingerprint0 = fingerprint1 = fingerprint2 = fingerprint3 = 0;
            fingerprintText = fingerprint;
        }
        String token = record.claimToken();
        if (isCanonicalUuid(token)) {
            UUID uuid = UUID.fromString(token);
            tokenHigh = uuid.getMostSignificantBits();
            tokenLow = uuid.getLeastSignificantBits();
            tokenText = null;
        } else {
            tokenHigh = tokenLow = 0;
            tokenText = token;
        }
        result = record.result();
    }

    /** This record with {@code id}, which must be the id it is kept under. */
    IdempotencyRecord unpack(String id) {
        return new IdempotencyRecord(id, STATUSES[status], fingerprint(), claimToken(),
                Instant.ofEpochSecond(expiresAtSecond, expiresAtNano),
                leaseNano == NO_LEASE ? null : Instant.ofEpochSecond(leaseSecond, leaseNano), result);
    }

    RecordStatus status() {
        return STATUSES[status];
    }

    boolean isOwnedBy(String claimToken) {
        if (tokenText != null) {
            return tokenText.equals(claimToken);
        }
        if (!isCanonicalUuid(claimToken)) {
            return false;
        }
        UUID uuid = UUID.fromString(claimToken);
        return uuid.getMostSignificantBits() == tokenHigh && uuid.getLeastSignificantBits() == tokenLow;
    }

    /** As {@link IdempotencyRecord#isExpired(Instant)}. */
    boolean isExpired(Instant now) {
        return !isBefore(now, expiresAtSecond, expiresAtNano);
    }

    /** As {@link IdempotencyRecord#isClaimable(Instant)}. */
    boolean isClaimable(Instant now) {
        return isExpired(now)
                || status == RecordStatus.IN_PROGRESS.ordinal() && !isBefore(now, leaseSecond, leaseNano);
    }

    private static boolean isBefore(Instant now, long second, int nano) {
        return now.getEpochSecond() < second || now.getEpochSecond() == second && now.getNano() < nano;
    }

    private String fingerprint() {
        if (fingerprintText != null) {
            return fingerprintText;
        }
        return HEX.toHexDigits(fingerprint0) + HEX.toHexDigits(fingerprint1) + HEX.toHexDigits(fingerprint2)
                + HEX.toHexDigits(fingerprint3);
    }

    private String claimToken() {
        return tokenText != null ? tokenText : new UUID(tokenHigh, tokenLow).toString();
    }

    /** Whether {@code token} is what {@link UUID#toString()} writes, so that it comes back unchanged. */
    private static boolean isCanonicalUuid(String token) {
        return token.length() == 36
                && token.charAt(8) == '-' && token.charAt(13) == '-' && token.charAt(18) == '-'
                && token.charAt(23) == '-'
                && isLowerHex(token, 0, 8) && isLowerHex(token, 9, 13)
                && isLowerHex(token, 14, 18) && isLowerHex(token, 19, 23)
                && isLowerHex(token, 24, 36);
    }
}

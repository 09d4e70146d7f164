package dev.idempotency.redis;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.UUID;

import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.RecordStatus;

/**
 * A record as the store keeps it: one packed binary value per key, which the scripts read at fixed places.
 *
 * <pre>
 * byte 0      format (high 4 bits, {@value #FORMAT}) and status (low 4 bits: 0 IN_PROGRESS, 1 COMPLETED, 2 FAILED)
 * byte 1      flags: 1 a lease follows, 2 a result follows, 4 sub-millisecond parts follow
 * bytes 2-9   expiresAt, epoch milliseconds (signed, big-endian, floor)
 * [8 bytes]   leaseExpiresAt, epoch milliseconds (flag 1)
 * [4 bytes]   expiresAt's nanoseconds within its millisecond, then [4 bytes] the lease's (flag 4)
 * token       0x00 + 16 bytes (a UUID as UUID.toString() writes it) | 0x01 + 4-byte length + UTF-8
 * fingerprint 0x00 + 32 bytes (64 lower-case hex digits)             | 0x01 + 4-byte length + UTF-8
 * [result]    every remaining byte, raw (flag 2; present and empty is an empty result)
 * </pre>
 *
 * The engine's records take 60 bytes plus the result: its claim tokens are UUIDs, its fingerprints SHA-256 hex, its
 * retention ends on whole seconds, and a completed record has no lease. Any other text is kept as given, so that
 * whatever a caller stored comes back equal; times keep every nanosecond. The claim token's encoding is
 * self-delimiting, so a script compares it as one substring: {@link #token(String)}.
 */
final class RecordCodec {

    /** The format this class writes, in the high 4 bits of byte 0. The scripts refuse every other format. */
    static final int FORMAT = 1;
    static final int LEASE = 1;
    static final int RESULT = 2;
    static final int SUB_MILLIS = 4;
    /** Lua numbers are doubles: integers beyond 2^53 would lose their last digits in the scripts. */
    static final long MAX_SCRIPT_NUMBER = 1L << 53;

    private static final RecordStatus[] STATUSES = RecordStatus.values();
    private static final HexFormat HEX = HexFormat.of();
    private static final int PACKED = 0;
    private static final int TEXT = 1;
    private static final int FIXED_BYTES = 10;

    private RecordCodec() {
    }

    static byte[] pack(IdempotencyRecord record) {
        Instant lease = record.leaseExpiresAt();
        boolean subMillis = subMillis(record.expiresAt()) != 0 || lease != null && subMillis(lease) != 0;
        byte[] token = token(record.claimToken());
        byte[] fingerprint = fingerprint(record.fingerprint());
        byte[] result = record.result();
        int size = FIXED_BYTES + (lease == null ? 0 : 8) + (subMillis ? (lease == null ? 4 : 8) : 0)
                + token.length + fingerprint.length + (result == null ? 0 : result.length);
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put((byte) (FORMAT << 4 | record.status().ordinal()));
        out.put((byte) ((lease == null ? 0 : LEASE) | (result == null ? 0 : RESULT) | (subMillis ? SUB_MILLIS : 0)));
        out.putLong(millis(record.expiresAt(), "expiresAt"));
        if (lease != null) {
            out.putLong(millis(lease, "leaseExpiresAt"));
        }
        if (subMillis) {
            out.putInt(subMillis(record.expiresAt()));
            if (lease != null) {
                out.putInt(subMillis(lease));
            }
        }
        out.put(token).put(fingerprint);
        if (result != null) {
            out.put(result);
        }
        return out.array();
    }

    /**
     * The record kept under {@code id} in {@code value}.
     *
     * @throws IllegalArgumentException saying what is wrong, when {@code value} is not a record of this format
     */
    static IdempotencyRecord unpack(String id, byte[] value) {
        if (value.length < FIXED_BYTES + 2) {
            throw new IllegalArgumentException("it is " + value.length + " bytes, too short for a record");
        }
        ByteBuffer in = ByteBuffer.wrap(value);
        int head = in.get() & 0xff;
        int flags = in.get() & 0xff;
        if (head >> 4 != FORMAT) {
            throw new IllegalArgumentException("its first byte is 0x" + HEX.toHexDigits((byte) head)
                    + ", not a record of format " + FORMAT);
        }
        if ((head & 0xf) >= STATUSES.length || (flags & ~(LEASE | RESULT | SUB_MILLIS)) != 0) {
            throw new IllegalArgumentException("its status or flags (0x" + HEX.toHexDigits((byte) head)
                    + HEX.toHexDigits((byte) flags) + ") are unknown");
        }
        RecordStatus status = STATUSES[head & 0xf];
        try {
            long expiresMillis = in.getLong();
            long leaseMillis = (flags & LEASE) != 0 ? in.getLong() : 0;
            int expiresSub = 0;
            int leaseSub = 0;
            if ((flags & SUB_MILLIS) != 0) {
                expiresSub = in.getInt();
                leaseSub = (flags & LEASE) != 0 ? in.getInt() : 0;
            }
            String token = readToken(in);
            String fingerprint = readFingerprint(in);
            byte[] result = null;
            if ((flags & RESULT) != 0) {
                result = Arrays.copyOfRange(value, in.position(), value.length);
            } else if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " bytes follow a record without a result");
            }
            Instant lease = (flags & LEASE) != 0 ? instant(leaseMillis, leaseSub) : null;
            return new IdempotencyRecord(id, status, fingerprint, token, instant(expiresMillis, expiresSub), lease,
                    result);
        } catch (java.nio.BufferUnderflowException | java.time.DateTimeException e) {
            throw new IllegalArgumentException("it ends before its fields do, or holds a time out of range", e);
        }
    }

    /** A claim token as the record holds it: self-delimiting, so equal encodings mean equal tokens. */
    static byte[] token(String token) {
        if (isCanonicalUuid(token)) {
            UUID uuid = UUID.fromString(token);
            return ByteBuffer.allocate(17).put((byte) PACKED)
                    .putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits()).array();
        }
        return text(token);
    }

    private static byte[] fingerprint(String fingerprint) {
        if (fingerprint.length() == 64 && isLowerHex(fingerprint, 0, 64)) {
            byte[] packed = new byte[33];
            packed[0] = PACKED;
            System.arraycopy(HEX.parseHex(fingerprint), 0, packed, 1, 32);
            return packed;
        }
        return text(fingerprint);
    }

    private static byte[] text(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(5 + utf8.length).put((byte) TEXT).putInt(utf8.length).put(utf8).array();
    }

    private static String readToken(ByteBuffer in) {
        if (in.get() == PACKED) {
            return new UUID(in.getLong(), in.getLong()).toString();
        }
        return readText(in, "claim token");
    }

    private static String readFingerprint(ByteBuffer in) {
        if (in.get() == PACKED) {
            byte[] hash = new byte[32];
            in.get(hash);
            return HEX.formatHex(hash);
        }
        return readText(in, "fingerprint");
    }

    private static String readText(ByteBuffer in, String field) {
        in.position(in.position() - 1);
        if (in.get() != TEXT) {
            throw new IllegalArgumentException("its " + field + " has an unknown form");
        }
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new IllegalArgumentException("its " + field + " is longer than the record");
        }
        byte[] utf8 = new byte[length];
        in.get(utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }

    /** Epoch milliseconds, floor; within what the scripts compare exactly. */
    static long millis(Instant instant, String field) {
        long millis;
        try {
            millis = instant.toEpochMilli();
        } catch (ArithmeticException e) {
            millis = Long.MAX_VALUE;
        }
        if (millis >= MAX_SCRIPT_NUMBER || millis <= -MAX_SCRIPT_NUMBER) {
            throw new IllegalArgumentException(field + " must be within 2^53 milliseconds of the epoch (about 285,000"
                    + " years), but was " + instant);
        }
        return millis;
    }

    /** The nanoseconds of {@code instant} within its millisecond. */
    static int subMillis(Instant instant) {
        return instant.getNano() % 1_000_000;
    }

    private static Instant instant(long millis, int subMillis) {
        if (subMillis < 0 || subMillis >= 1_000_000) {
            throw new IllegalArgumentException("its sub-millisecond part " + subMillis + " is out of range");
        }
        return Instant.ofEpochMilli(millis).plusNanos(subMillis);
    }

    private static boolean isCanonicalUuid(String token) {
        return token.length() == 36
                && token.charAt(8) == '-' && token.charAt(13) == '-' && token.charAt(18) == '-'
                && token.charAt(23) == '-'
                && isLowerHex(token, 0, 8) && isLowerHex(token, 9, 13) && isLowerHex(token, 14, 18)
                && isLowerHex(token, 19, 23) && isLowerHex(token, 24, 36);
    }

    private static boolean isLowerHex(String text, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
                return false;
            }
        }
        return true;
    }
}

package dev.idempotency.redis;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import dev.idempotency.store.IdempotencyRecord;

/**
 * The store's scripts and record format for code that sends them raw, without the store: the benchmarks' floor.
 * In the test jar; not an API.
 */
public final class RawRedisCommands {

    private RawRedisCommands() {
    }

    public static String claimSha1() {
        return Scripts.CLAIM.sha1();
    }

    public static String completeSha1() {
        return Scripts.COMPLETE.sha1();
    }

    public static byte[] claimScript() {
        return Scripts.CLAIM.bytes();
    }

    public static byte[] completeScript() {
        return Scripts.COMPLETE.bytes();
    }

    /** The record as the store writes it. */
    public static byte[] pack(IdempotencyRecord record) {
        return RecordCodec.pack(record);
    }

    /** The claim token as the record holds it, for the complete and release scripts. */
    public static byte[] token(String claimToken) {
        return RecordCodec.token(claimToken);
    }

    /** The claim script's arguments after the record: now in ms, its sub-millisecond nanos, and the key's ttl. */
    public static byte[][] claimArguments(IdempotencyRecord record, Instant now) {
        return new byte[][] {pack(record), number(RecordCodec.millis(now, "now")), number(RecordCodec.subMillis(now)),
                number(RedisIdempotencyStore.millisUntil(now, record.expiresAt()))};
    }

    private static byte[] number(long value) {
        return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    }
}

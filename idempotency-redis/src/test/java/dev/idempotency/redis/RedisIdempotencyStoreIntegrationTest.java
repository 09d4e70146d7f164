package dev.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.redis.testing.RedisExtension;
import dev.idempotency.redis.testing.RedisServerProcess;
import dev.idempotency.store.AbstractIdempotencyStoreContractTest;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.IdempotencyStore;
import dev.idempotency.store.RecordStatus;
import dev.idempotency.testing.Hashes;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;

/**
 * The whole store contract against a live redis-server, plus the layout the README documents: one packed value per
 * key, native expiry measured from the engine's times, and values the store did not write refused, never overwritten.
 */
@ExtendWith(RedisExtension.class)
class RedisIdempotencyStoreIntegrationTest extends AbstractIdempotencyStoreContractTest {

    private static RedisClient client;
    private static StatefulRedisConnection<byte[], byte[]> raw;

    @BeforeAll
    static void connect(RedisServerProcess redis) {
        client = RedisClient.create(redis.uri());
        raw = client.connect(ByteArrayCodec.INSTANCE);
    }

    @AfterAll
    static void disconnect() {
        raw.close();
        client.shutdown();
    }

    /** Each test's store opened a connection of its own on the shared client. */
    @AfterEach
    void closeStore() {
        ((RedisIdempotencyStore) store).close();
    }

    @Override
    protected IdempotencyStore createStore() {
        return RedisIdempotencyStore.builder().client(client).build();
    }

    @Test
    void keepsAClaimAsOnePackedValueUnderThePrefixedId() {
        String id = "orders.place#" + Hashes.sha256("order-1-" + UUID.randomUUID());
        String token = UUID.randomUUID().toString();
        IdempotencyRecord claim = IdempotencyRecord.inProgress(id, Hashes.sha256("payload"), token,
                retainUntil(now()), now().plus(LEASE));

        store.claim(claim, now());

        byte[] value = redis().get(key(id));
        assertThat(redis().type(key(id))).isEqualTo("string");
        // 10 header bytes + the lease (8) + the token as a UUID (17) + the fingerprint as 32 bytes (33)
        assertThat(value).hasSize(68);
        assertThat(value[0]).isEqualTo((byte) 0x10);
        assertThat(value[1]).isEqualTo((byte) RecordCodec.LEASE);
        assertThat(RecordCodec.unpack(id, value)).isEqualTo(claim);
    }

    @Test
    void keepsACompletedRecordIn60BytesPlusItsResult() {
        String id = "orders.place#" + Hashes.sha256(UUID.randomUUID().toString());
        IdempotencyRecord claim = IdempotencyRecord.inProgress(id, Hashes.sha256("payload"),
                UUID.randomUUID().toString(), retainUntil(now()), now().plus(LEASE));
        store.claim(claim, now());
        byte[] result = "{\"orderId\":\"order-0001\",\"amountCents\":2500}".getBytes(StandardCharsets.UTF_8);

        store.complete(claim.finish(RecordStatus.COMPLETED, result, retainUntil(now())));

        assertThat(redis().get(key(id))).hasSize(60 + result.length);
    }

    @Test
    void expiresTheKeyNativelyAfterTheRetentionMeasuredFromTheEnginesNow() {
        String id = newId();
        long before = redisMillis();
        store.claim(inProgress(id, "owner"), now());
        long after = redisMillis();

        long retention = Duration.between(now(), retainUntil(now())).toMillis();
        assertThat(redis().pexpiretime(key(id))).isBetween(before + retention, after + retention + 1);
    }

    @Test
    void movesTheExpiryByTheCompletionsLaterRetention() {
        String id = newId();
        IdempotencyRecord claim = inProgress(id, "owner");
        store.claim(claim, now());
        long claimed = redis().pexpiretime(key(id));

        store.complete(claim.finish(RecordStatus.COMPLETED, bytes("r"), claim.expiresAt().plusSeconds(90)));

        assertThat(redis().pexpiretime(key(id))).isBetween(claimed + 89_000, claimed + 90_000);
    }

    @Test
    void expiresNativelyEvenWhenTheEnginesClockIsFarFromRedisClock() {
        String id = newId();
        Instant longAgo = Instant.parse("2001-01-01T00:00:00Z");
        long before = redisMillis();

        store.claim(IdempotencyRecord.inProgress(id, "fp", "t", longAgo.plus(TTL), longAgo.plus(LEASE)), longAgo);

        assertThat(store.find(id)).isPresent();
        assertThat(redis().pexpiretime(key(id))).isBetween(before + TTL.toMillis(), redisMillis() + TTL.toMillis());
    }

    @Test
    void keepsEveryNanosecondOfTimesThatAreNotWholeMilliseconds() {
        String id = newId();
        Instant odd = now().plusNanos(123_456_789);
        IdempotencyRecord claim = IdempotencyRecord.inProgress(id, "fp", "t", odd.plus(TTL), odd.plus(LEASE));

        store.claim(claim, now());

        assertThat(store.find(id)).contains(claim);
        clock.set(odd.plus(LEASE).minusNanos(1));
        assertThat(store.claim(inProgress(id, "early"), now()).isClaimed()).isFalse();
        clock.set(odd.plus(LEASE));
        assertThat(store.claim(inProgress(id, "on time"), now()).isClaimed()).isTrue();
    }

    @Test
    void refusesAValueItDidNotWriteAndNeverOverwritesIt() {
        String id = newId();
        redis().set(key(id), "someone else's".getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(() -> store.claim(inProgress(id, "t"), now()))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageStartingWith("Failed to claim a record: the key idempotency:" + id + " on Redis at"
                        + " 127.0.0.1:")
                .hasMessageContaining("holds a value that is not an idempotency record (its first byte is 0x73, not a"
                        + " record of format 1). Another application writes under the store's key prefix"
                        + " 'idempotency:', or the value is damaged.")
                .hasMessageEndingWith("give the store a keyPrefix of its own, or delete the key if nothing else uses"
                        + " it.");
        assertThatThrownBy(() -> store.find(id))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageStartingWith("Failed to read a record: the key idempotency:" + id + " on Redis at");
        assertThat(store.release(id, "t")).isFalse();
        assertThat(redis().get(key(id))).asString(StandardCharsets.UTF_8).isEqualTo("someone else's");
    }

    /**
     * Values of other code whose first byte is 0x10 to 0x1f, where the codec's own format begins, and whose bytes 3 to
     * 10 read as a time long past: each must be refused as a whole, never taken for an expired record and overwritten.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ansi-text", "truncated-record", "record-with-trailing-bytes", "unknown-status",
            "unknown-flags", "token-longer-than-value"})
    void neverOverwritesAForeignValueThatStartsLikeARecord(String kind) {
        String id = "orders.place#" + Hashes.sha256(UUID.randomUUID().toString());
        byte[] foreign = foreignValue(kind);
        redis().set(key(id), foreign);

        assertThatThrownBy(() -> store.claim(inProgress(id, "t"), now()))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageStartingWith("Failed to claim a record: the key idempotency:" + id + " on Redis at"
                        + " 127.0.0.1:")
                .hasMessageContaining(" holds a value that is not an idempotency record (")
                .hasMessageEndingWith("The store never overwrites it: give the store a keyPrefix of its own, or"
                        + " delete the key if nothing else uses it.");
        assertThat(store.complete(inProgress(id, "t").finish(RecordStatus.COMPLETED, bytes("r"), retainUntil(now()))))
                .isFalse();
        assertThat(store.release(id, "t")).isFalse();
        assertThat(redis().get(key(id))).isEqualTo(foreign);
    }

    private byte[] foreignValue(String kind) {
        Instant past = now().minusSeconds(3_600);
        byte[] expired = RecordCodec.pack(IdempotencyRecord.inProgress("x#y", "fp", "t", past, past));
        return switch (kind) {
            // ESC [ then UTF-8 text: bytes 3 to 10 are negative as a long, a time before the epoch
            case "ansi-text" -> "\u001b[\u00fc\u00fcberall rot\u001b[0m".getBytes(StandardCharsets.UTF_8);
            case "truncated-record" -> java.util.Arrays.copyOf(expired, 20);
            case "record-with-trailing-bytes" -> concat(expired, bytes("tail"));
            case "unknown-status" -> with(expired, 0, (byte) 0x13);
            case "unknown-flags" -> with(expired, 1, (byte) (expired[1] | 0x40));
            // the claim token "t" as text: 0x01, its length (4 bytes), then its byte; the length made huge
            case "token-longer-than-value" -> with(expired, 18 + ((expired[1] & RecordCodec.SUB_MILLIS) != 0 ? 8 : 0)
                    + 1, (byte) 0x7f);
            default -> throw new IllegalArgumentException(kind);
        };
    }

    private static byte[] with(byte[] value, int index, byte b) {
        byte[] copy = value.clone();
        copy[index] = b;
        return copy;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    @Test
    void reportsAKeyOfAnotherTypeAsAStoreFailureNamingThePrefix() {
        String id = newId();
        redis().hset(key(id), bytes("field"), bytes("value"));

        assertThatThrownBy(() -> store.claim(inProgress(id, "t"), now()))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageContaining("rejected EVALSHA (the claim script) (WRONGTYPE")
                .hasMessageEndingWith("A key under the prefix 'idempotency:' holds another type of value: another"
                        + " application writes there. Give the store a keyPrefix of its own.");
    }

    @Test
    void keepsRecordsOfTwoPrefixesApart() {
        String id = newId();
        IdempotencyRecord mine = inProgress(id, "mine");
        store.claim(mine, now());
        try (RedisIdempotencyStore other = RedisIdempotencyStore.builder().client(client).keyPrefix("other:").build()) {
            assertThat(other.claim(inProgress(id, "theirs"), now()).isClaimed()).isTrue();
            assertThat(other.find(id).orElseThrow().claimToken()).isEqualTo("theirs");
        }
        assertThat(store.find(id)).contains(mine);
    }

    /**
     * The choice of layout, measured: a completed record as the store keeps it against the same fields in a hash
     * (the DynamoDB layout), by {@code MEMORY USAGE}, with a small result (the hash stays a listpack) and a 1 KB one
     * (a field above 64 bytes turns the hash into a hash table).
     */
    @ParameterizedTest(name = "{0}-byte result")
    @ValueSource(ints = {43, 1_000})
    void takesLessMemoryAsOnePackedValueThanAsAHashOfItsFields(int resultBytes) {
        String id = "orders.place#" + Hashes.sha256(UUID.randomUUID().toString());
        IdempotencyRecord claim = IdempotencyRecord.inProgress(id, Hashes.sha256("payload"),
                UUID.randomUUID().toString(), retainUntil(now()), now().plus(LEASE));
        byte[] result = "x".repeat(resultBytes).getBytes(StandardCharsets.UTF_8);
        IdempotencyRecord done = claim.finish(RecordStatus.COMPLETED, result, retainUntil(now()));
        store.claim(claim, now());
        store.complete(done);
        byte[] hash = key("hash-layout:" + id);
        redis().hset(hash, java.util.Map.of(bytes("status"), bytes("COMPLETED"),
                bytes("fingerprint"), bytes(done.fingerprint()), bytes("claim_token"), bytes(done.claimToken()),
                bytes("expiration"), bytes(Long.toString(done.expiresAt().getEpochSecond())),
                bytes("result"), result));
        redis().pexpire(hash, TTL.toMillis());

        long packed = redis().memoryUsage(key(id));
        long asHash = redis().memoryUsage(hash);

        System.out.println("MEMORY USAGE of a completed record with a " + resultBytes + "-byte result and a "
                + key(id).length + "-byte key: packed " + packed + " bytes, as a hash " + asHash + " bytes");
        assertThat(packed).isLessThan(asHash);
    }

    private static RedisCommands<byte[], byte[]> redis() {
        return raw.sync();
    }

    private static long redisMillis() {
        java.util.List<byte[]> time = redis().time();
        return Long.parseLong(new String(time.get(0), StandardCharsets.US_ASCII)) * 1000
                + Long.parseLong(new String(time.get(1), StandardCharsets.US_ASCII)) / 1000;
    }

    private static byte[] key(String id) {
        return (RedisIdempotencyStore.DEFAULT_KEY_PREFIX + id).getBytes(StandardCharsets.UTF_8);
    }

}

package dev.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.redis.testing.RedisExtension;
import dev.idempotency.redis.testing.RedisServerProcess;
import dev.idempotency.store.ClaimResult;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.RecordStatus;

/**
 * Every record the store can write is a record to its scripts: they check a stored value whole before they act on
 * it, and must never refuse one of their own as a foreign value. Each shape goes through claim, a competing claim,
 * complete, a duplicate's claim, find, and a claim and release.
 */
@ExtendWith(RedisExtension.class)
class RedisRecordShapesIntegrationTest {

    private static RedisIdempotencyStore store;

    @BeforeAll
    static void connect(RedisServerProcess redis) {
        store = RedisIdempotencyStore.builder().uri(redis.uri()).build();
    }

    @AfterAll
    static void close() {
        store.close();
    }

    private record Shape(String name, String token, String fingerprint, RecordStatus status, byte[] result,
            long subMillisNanos, boolean finishedLease) {
    }

    @TestFactory
    List<DynamicTest> everyShapeOfRecordIsReadBackByTheScripts() {
        String uuid = UUID.randomUUID().toString();
        String hex = "0123456789abcdef".repeat(4);
        byte[] everyByte = new byte[256];
        for (int i = 0; i < 256; i++) {
            everyByte[i] = (byte) i;
        }
        byte[] mebibyte = new byte[RedisIdempotencyStore.DEFAULT_MAX_RESULT_BYTES];
        for (int i = 0; i < mebibyte.length; i++) {
            mebibyte[i] = (byte) (i * 31);
        }
        List<Shape> shapes = List.of(
                new Shape("completed, no result", uuid, hex, RecordStatus.COMPLETED, null, 0, false),
                new Shape("completed, empty result", uuid, hex, RecordStatus.COMPLETED, new byte[0], 0, false),
                new Shape("completed, one zero byte", uuid, hex, RecordStatus.COMPLETED, new byte[1], 0, false),
                new Shape("completed, every byte value", uuid, hex, RecordStatus.COMPLETED, everyByte, 0, false),
                new Shape("completed, 1 MiB result", uuid, hex, RecordStatus.COMPLETED, mebibyte, 0, false),
                new Shape("failed, with result", uuid, hex, RecordStatus.FAILED, "boom".getBytes(), 0, false),
                new Shape("failed, no result", uuid, hex, RecordStatus.FAILED, null, 0, false),
                new Shape("upper-case UUID token (text)", uuid.toUpperCase(), hex, RecordStatus.COMPLETED,
                        new byte[] {1}, 0, false),
                new Shape("empty token and fingerprint", "", "", RecordStatus.COMPLETED, new byte[] {2}, 0, false),
                new Shape("64 KiB token, 64 KiB fingerprint", "t".repeat(65_536), "f".repeat(65_536),
                        RecordStatus.COMPLETED, new byte[] {3}, 0, false),
                new Shape("upper-case hex fingerprint (text)", uuid, hex.toUpperCase(), RecordStatus.COMPLETED,
                        new byte[] {4}, 0, false),
                new Shape("unicode token and fingerprint", "tökén-✓-\uD83D\uDE00", "指纹\u0000end",
                        RecordStatus.COMPLETED, new byte[] {5}, 0, false),
                new Shape("token of 0x00 and 0x01 bytes", "\u0000\u0001\u0000", "\u0001", RecordStatus.COMPLETED,
                        new byte[] {0, 1}, 0, false),
                new Shape("sub-millisecond times", uuid, hex, RecordStatus.COMPLETED, new byte[] {6}, 999_999, false),
                new Shape("completed record with a lease", uuid, hex, RecordStatus.COMPLETED, new byte[] {7}, 1,
                        true));
        List<DynamicTest> tests = new ArrayList<>();
        for (Shape shape : shapes) {
            tests.add(DynamicTest.dynamicTest(shape.name(), () -> roundTrip(shape)));
        }
        return tests;
    }

    private static void roundTrip(Shape shape) {
        String id = "shapes#" + UUID.randomUUID();
        Instant now = Instant.now().plusNanos(shape.subMillisNanos());
        Instant expires = now.plusSeconds(600).plusNanos(shape.subMillisNanos());
        Instant lease = now.plusSeconds(30).plusNanos(shape.subMillisNanos());
        IdempotencyRecord claim = IdempotencyRecord.inProgress(id, shape.fingerprint(), shape.token(), expires, lease);

        assertThat(store.claim(claim, now).isClaimed()).as("claimed").isTrue();
        ClaimResult competing = store.claim(IdempotencyRecord.inProgress(id, "other", UUID.randomUUID().toString(),
                expires, lease), now.plusMillis(1));
        assertThat(competing.isClaimed()).as("a competing claim").isFalse();
        assertThat(competing.existing()).isEqualTo(claim);

        IdempotencyRecord finished = new IdempotencyRecord(id, shape.status(), shape.fingerprint(), shape.token(),
                expires.plusSeconds(60), shape.finishedLease() ? lease : null, shape.result());
        assertThat(store.complete(finished)).as("completed with the claim's token").isTrue();
        ClaimResult duplicate = store.claim(IdempotencyRecord.inProgress(id, shape.fingerprint(),
                UUID.randomUUID().toString(), expires, lease), now.plusSeconds(31));
        assertThat(duplicate.isClaimed()).as("a duplicate's claim").isFalse();
        assertThat(duplicate.existing()).isEqualTo(finished);
        assertThat(store.find(id)).contains(finished);
        assertThat(store.release(id, shape.token())).as("release of a finished record").isFalse();

        String released = id + "-released";
        IdempotencyRecord again = IdempotencyRecord.inProgress(released, shape.fingerprint(), shape.token(), expires,
                lease);
        assertThat(store.claim(again, now).isClaimed()).isTrue();
        assertThat(store.release(released, shape.token() + "x")).as("release with another token").isFalse();
        assertThat(store.release(released, shape.token())).as("release with its token").isTrue();
        assertThat(store.find(released)).isEmpty();
    }
}

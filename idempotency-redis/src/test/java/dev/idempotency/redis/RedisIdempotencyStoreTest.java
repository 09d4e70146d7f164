package dev.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.RecordStatus;

import io.lettuce.core.RedisClient;

/** The builder's rules and the record format, without a server: building never waits for Redis. */
class RedisIdempotencyStoreTest {

    @Test
    void refusesToBuildWithoutAServer() {
        assertThatThrownBy(() -> RedisIdempotencyStore.builder().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("one of client, connection or uri must be set: where the records live, such as"
                        + " uri(\"redis://localhost:6379\")");
    }

    @Test
    void refusesTwoServers() {
        RedisClient client = RedisClient.create();
        try {
            assertThatThrownBy(() -> RedisIdempotencyStore.builder().uri("redis://localhost").client(client))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("set one of client, connection or uri, but uri(String) was set already and now"
                            + " client(RedisClient)");
            assertThatThrownBy(() -> RedisIdempotencyStore.builder().client(client).timeout(Duration.ofSeconds(1))
                    .build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("timeout applies to the client made from uri(...) only, but client(RedisClient) was"
                            + " set: set the timeout on your client's RedisURI instead");
        } finally {
            client.shutdown();
        }
    }

    @Test
    void refusesAUriThatIsNotRedissWithoutShowingItsPassword() {
        assertThatThrownBy(() -> RedisIdempotencyStore.builder().uri("http://user:s3cret@localhost:6379"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("uri must be a Redis URI such as redis://localhost:6379, but was"
                        + " 'http://****@localhost:6379'")
                .message().doesNotContain("s3cret");
    }

    @Test
    void refusesBadSettingsNamingThem() {
        assertThatThrownBy(() -> RedisIdempotencyStore.builder().timeout(Duration.ZERO))
                .hasMessage("timeout must be positive, but was PT0S");
        assertThatThrownBy(() -> RedisIdempotencyStore.builder().maxResultBytes(0))
                .hasMessage("maxResultBytes must be 1 to " + RedisIdempotencyStore.MAX_RESULT_BYTES + ", but was 0");
        assertThatThrownBy(() -> RedisIdempotencyStore.builder().keyPrefix(null))
                .isInstanceOf(NullPointerException.class).hasMessage("keyPrefix must not be null");
    }

    @Test
    void buildsFromAUriWithoutWaitingForRedisAndPrintsItsSettingsWithoutThePassword() {
        try (RedisIdempotencyStore store = RedisIdempotencyStore.builder()
                .uri("redis://:s3cret@redis.example.com:6380/2").keyPrefix("orders:").maxResultBytes(4096).build()) {
            assertThat(store).hasToString("RedisIdempotencyStore[Redis at redis.example.com:6380, keyPrefix=orders:,"
                    + " maxResultBytes=4096]");
            assertThat(store.keyPrefix()).isEqualTo("orders:");
            assertThat(store.maxResultBytes()).isEqualTo(4096);
        }
    }

    @Test
    void failsOperationsOfAClosedStoreAsStoreFailures() {
        RedisIdempotencyStore store = RedisIdempotencyStore.builder().uri("redis://localhost:6379").build();
        store.close();
        store.close();

        assertThatThrownBy(() -> store.find("closed#1"))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessage("Failed to read a record: the store is closed.");
    }

    @Test
    void packsAndUnpacksEveryFieldExactly() {
        Instant expires = Instant.parse("2030-01-02T03:04:05.123456789Z");
        IdempotencyRecord claim = IdempotencyRecord.inProgress("ns#id", "fp-ü", "token", expires,
                expires.minusSeconds(1));
        IdempotencyRecord done = claim.finish(RecordStatus.FAILED, new byte[] {0, -1}, expires.minusNanos(1));
        IdempotencyRecord empty = claim.finish(RecordStatus.COMPLETED, new byte[0], Instant.ofEpochSecond(-1, 5));

        for (IdempotencyRecord record : new IdempotencyRecord[] {claim, done, empty,
                claim.finish(RecordStatus.COMPLETED, null, expires)}) {
            assertThat(RecordCodec.unpack(record.id(), RecordCodec.pack(record))).isEqualTo(record);
        }
    }

    @Test
    void refusesTimesTheScriptsCannotCompareExactly() {
        IdempotencyRecord farAway = IdempotencyRecord.inProgress("ns#id", "fp", "t", Instant.MAX, Instant.MAX);

        assertThatThrownBy(() -> RecordCodec.pack(farAway))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("expiresAt must be within 2^53 milliseconds of the epoch");
    }

    @Test
    void refusesValuesThatAreNotRecordsSayingWhy() {
        assertThatThrownBy(() -> RecordCodec.unpack("ns#id", new byte[3]))
                .hasMessage("it is 3 bytes, too short for a record");
        byte[] truncated = java.util.Arrays.copyOf(RecordCodec.pack(IdempotencyRecord.inProgress("ns#id", "fp",
                "t", Instant.EPOCH, Instant.EPOCH)), 20);
        assertThatThrownBy(() -> RecordCodec.unpack("ns#id", truncated))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

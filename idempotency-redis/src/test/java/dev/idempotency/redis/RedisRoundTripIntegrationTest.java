package dev.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.redis.testing.CommandCounter;
import dev.idempotency.redis.testing.RedisExtension;
import dev.idempotency.redis.testing.RedisServerProcess;
import dev.idempotency.store.ClaimResult;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.RecordStatus;

import io.lettuce.core.RedisClient;

/**
 * The round trips of SEMANTICS.md, counted exactly as the commands the client sends: every operation is one
 * command, a duplicate included (the losing claim returns the record). A server that lost its scripts
 * ({@code SCRIPT FLUSH}, a restart) costs one more command once: the {@code EVAL} that runs and caches the script.
 */
@ExtendWith(RedisExtension.class)
class RedisRoundTripIntegrationTest {

    private final CommandCounter commands = new CommandCounter();
    private final AtomicInteger runs = new AtomicInteger();
    private RedisClient client;
    private RedisClient admin;
    private RedisIdempotencyStore store;

    @BeforeEach
    void connect(RedisServerProcess redis) {
        client = RedisClient.create(redis.uri());
        // Lettuce tells a listener about the commands of connections opened after it was added.
        client.addListener(commands);
        admin = RedisClient.create(redis.uri());
        store = RedisIdempotencyStore.builder().client(client).build();
        loadScripts();
        commands.reset();
    }

    @AfterEach
    void disconnect() {
        store.close();
        client.shutdown();
        admin.shutdown();
    }

    /** Runs each script once, so that the server knows them, as it does after a store's first calls. */
    private void loadScripts() {
        IdempotencyRecord claim = claim(newId());
        store.claim(claim, now());
        store.release(claim.id(), claim.claimToken());
        store.complete(claim.finish(RecordStatus.COMPLETED, null, claim.expiresAt()));
    }

    // --- the store ---

    @Test
    void claimsANewKeyWithOneEvalsha() {
        assertThat(store.claim(claim(newId()), now()).isClaimed()).isTrue();

        assertThat(commands.counts()).isEqualTo(Map.of("EVALSHA", 1));
    }

    @Test
    void refusesAConflictingClaimWithOneEvalshaThatReturnsTheRecord() {
        IdempotencyRecord first = claim(newId());
        store.claim(first, now());
        commands.reset();

        ClaimResult second = store.claim(claim(first.id()), now());

        assertThat(second.existing()).isEqualTo(first);
        assertThat(commands.counts()).isEqualTo(Map.of("EVALSHA", 1));
    }

    @Test
    void completesWithOneEvalsha() {
        IdempotencyRecord claim = claim(newId());
        store.claim(claim, now());
        commands.reset();

        assertThat(store.complete(claim.finish(RecordStatus.COMPLETED, new byte[] {1}, claim.expiresAt()))).isTrue();

        assertThat(commands.counts()).isEqualTo(Map.of("EVALSHA", 1));
    }

    @Test
    void releasesWithOneEvalsha() {
        IdempotencyRecord claim = claim(newId());
        store.claim(claim, now());
        commands.reset();

        assertThat(store.release(claim.id(), claim.claimToken())).isTrue();

        assertThat(commands.counts()).isEqualTo(Map.of("EVALSHA", 1));
    }

    @Test
    void findsWithOneGet() {
        store.find(newId());

        assertThat(commands.counts()).isEqualTo(Map.of("GET", 1));
    }

    @Test
    void sendsAScriptTheServerLostOnceWithEvalThenCallsItBySha() {
        flushScripts();
        commands.reset();

        assertThat(store.claim(claim(newId()), now()).isClaimed()).isTrue();
        assertThat(commands.counts()).isEqualTo(Map.of("EVALSHA", 1, "EVAL", 1));

        commands.reset();
        assertThat(store.claim(claim(newId()), now()).isClaimed()).isTrue();
        assertThat(commands.counts()).isEqualTo(Map.of("EVALSHA", 1));
    }

    @Test
    void reloadsEveryScriptAfterAFlushAndStillFencesAndReleases() {
        IdempotencyRecord claim = claim(newId());
        store.claim(claim, now());
        flushScripts();
        commands.reset();

        assertThat(store.release(claim.id(), "intruder")).isFalse();
        assertThat(store.release(claim.id(), claim.claimToken())).isTrue();
        assertThat(store.claim(claim, now()).isClaimed()).isTrue();
        flushScripts();
        assertThat(store.complete(claim.finish(RecordStatus.COMPLETED, new byte[0], claim.expiresAt()))).isTrue();

        assertThat(store.find(claim.id()).orElseThrow().status()).isEqualTo(RecordStatus.COMPLETED);
        // Each script that the server lost: one EVALSHA refused with NOSCRIPT, one EVAL; then EVALSHA again.
        assertThat(commands.counts()).isEqualTo(Map.of("EVALSHA", 4, "EVAL", 3, "GET", 1));
    }

    // --- calls through the engine ---

    @Test
    void runsAFirstCallWithTwoRoundTrips() {
        assertThat(operation(false).execute("key", "payload", this::body)).isEqualTo("result 1");

        assertThat(commands.counts()).isEqualTo(Map.of("EVALSHA", 2));
    }

    @Test
    void releasesACallWhoseBodyThrowsWithTwoRoundTrips() {
        IllegalStateException failure = new IllegalStateException("declined");

        assertThatThrownBy(() -> operation(false).execute("key", "payload", () -> {
            throw failure;
        })).isSameAs(failure);

        assertThat(commands.counts()).isEqualTo(Map.of("EVALSHA", 2));
    }

    @Test
    void replaysADuplicateNotInTheLocalCacheWithOneRoundTrip() {
        IdempotentOperation<String> operation = operation(false);
        operation.execute("key", "payload", this::body);
        commands.reset();

        assertThat(operation.execute("key", "payload", this::body)).isEqualTo("result 1");

        assertThat(runs).hasValue(1);
        assertThat(commands.counts()).isEqualTo(Map.of("EVALSHA", 1));
    }

    @Test
    void replaysADuplicateInTheLocalCacheWithoutARoundTrip() {
        IdempotentOperation<String> operation = operation(true);
        operation.execute("key", "payload", this::body);
        commands.reset();

        assertThat(operation.execute("key", "payload", this::body)).isEqualTo("result 1");

        assertThat(runs).hasValue(1);
        assertThat(commands.counts()).isEmpty();
    }

    private void flushScripts() {
        try (var connection = admin.connect()) {
            connection.sync().scriptFlush();
        }
    }

    private String body() {
        return "result " + runs.incrementAndGet();
    }

    /** An operation in a namespace of its own, so every test's "key" is a new record. */
    private IdempotentOperation<String> operation(boolean localCache) {
        return Idempotency.builder()
                .store(store)
                .config(IdempotencyConfig.builder().localCacheEnabled(localCache).build())
                .build()
                .operation("orders.create." + UUID.randomUUID(), String.class)
                .build();
    }

    private static Instant now() {
        return Instant.ofEpochSecond(Instant.now().getEpochSecond());
    }

    private static String newId() {
        return "counts#" + UUID.randomUUID();
    }

    private static IdempotencyRecord claim(String id) {
        return IdempotencyRecord.inProgress(id, "fp", UUID.randomUUID().toString(), now().plusSeconds(600),
                now().plusSeconds(60));
    }
}

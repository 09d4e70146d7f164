package dev.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.redis.testing.RedisExtension;
import dev.idempotency.redis.testing.RedisServerProcess;
import dev.idempotency.redis.testing.TcpProxy;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.RecordStatus;

/**
 * A thread that was interrupted (a cancelled future, an executor shutting down) still completes its record: the
 * command may already be on its way, and a completion given up on would hold the key until the lease ends. The
 * interrupt flag is set again afterwards, for the caller to act on. A caller interrupted while the store still
 * connects neither cancels that connect, which every caller shares, nor gets anything but a result or an
 * {@link IdempotencyStoreException}.
 */
@ExtendWith(RedisExtension.class)
class RedisInterruptIntegrationTest {

    /** Long enough that the calls below start while the store still connects. */
    private static final Duration SLOW_CONNECT = Duration.ofMillis(500);

    private RedisServerProcess redis;
    private RedisIdempotencyStore store;

    @BeforeEach
    void connect(RedisServerProcess redis) {
        this.redis = redis;
        store = RedisIdempotencyStore.builder().uri(redis.uri()).build();
    }

    @AfterEach
    void close() {
        Thread.interrupted();
        store.close();
    }

    @Test
    void completesOnAnInterruptedThreadAndKeepsTheFlag() {
        Instant now = Instant.ofEpochSecond(Instant.now().getEpochSecond());
        IdempotencyRecord claim = IdempotencyRecord.inProgress("interrupt#" + UUID.randomUUID(), "fp",
                UUID.randomUUID().toString(), now.plusSeconds(600), now.plusSeconds(60));
        assertThat(store.claim(claim, now).isClaimed()).isTrue();

        Thread.currentThread().interrupt();
        boolean completed = store.complete(claim.finish(RecordStatus.COMPLETED, new byte[] {7}, claim.expiresAt()));

        assertThat(Thread.currentThread().isInterrupted()).isTrue();
        assertThat(completed).isTrue();
        Thread.interrupted();
        assertThat(store.find(claim.id()).orElseThrow().result()).containsExactly(7);
    }

    @Test
    void anInterruptedFirstCallLeavesTheSharedConnectToEveryone() throws Exception {
        try (TcpProxy slow = TcpProxy.start(redis.port(), SLOW_CONNECT);
                RedisIdempotencyStore slowStore = RedisIdempotencyStore.builder().uri(slow.uri()).build()) {
            CompletableFuture<Boolean> flagKept = new CompletableFuture<>();
            CompletableFuture<Object> outcome = new CompletableFuture<>();
            Thread caller = new Thread(() -> {
                Thread.currentThread().interrupt();
                try {
                    outcome.complete(slowStore.find("interrupt#first"));
                } catch (Throwable e) {
                    outcome.complete(e);
                }
                flagKept.complete(Thread.currentThread().isInterrupted());
            });
            caller.start();
            caller.join(TimeUnit.SECONDS.toMillis(10));

            assertThat(flagKept.getNow(false)).as("interrupt flag").isTrue();
            assertThat(outcome.getNow(null)).satisfiesAnyOf(
                    result -> assertThat(result).isEqualTo(Optional.empty()),
                    failure -> assertThat(failure).isInstanceOf(IdempotencyStoreException.class));
            assertThat(slowStore.find("interrupt#next")).isEmpty();
            assertThat(slow.accepted()).as("connections opened").isEqualTo(1);
        }
    }

    @Test
    void aFirstCallCancelledWithInterruptLeavesTheSharedConnectToEveryone() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (TcpProxy slow = TcpProxy.start(redis.port(), SLOW_CONNECT);
                RedisIdempotencyStore slowStore = RedisIdempotencyStore.builder().uri(slow.uri()).build()) {
            CompletableFuture<Object> outcome = new CompletableFuture<>();
            CompletableFuture<Boolean> flagKept = new CompletableFuture<>();
            Future<?> call = pool.submit(() -> {
                try {
                    outcome.complete(slowStore.find("cancel#first"));
                } catch (Throwable e) {
                    outcome.complete(e);
                }
                flagKept.complete(Thread.currentThread().isInterrupted());
            });
            Thread.sleep(SLOW_CONNECT.toMillis() / 5);
            call.cancel(true);

            assertThat(flagKept.get(10, TimeUnit.SECONDS)).as("interrupt flag").isTrue();
            assertThat(outcome.get()).satisfiesAnyOf(
                    result -> assertThat(result).isEqualTo(Optional.empty()),
                    failure -> assertThat(failure).isInstanceOf(IdempotencyStoreException.class));
            assertThat(slowStore.find("cancel#next")).isEmpty();
            assertThat(slow.accepted()).as("connections opened").isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }
}

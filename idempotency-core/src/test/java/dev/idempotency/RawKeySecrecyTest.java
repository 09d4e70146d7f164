package dev.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.InMemoryIdempotencyStore;
import dev.idempotency.testing.FaultInjectingIdempotencyStore;
import dev.idempotency.testing.FaultInjectingIdempotencyStore.Operation;
import dev.idempotency.testing.Hashes;
import dev.idempotency.testing.MutableClock;

/**
 * Keys may hold personal data: drive every path that stores, logs or throws, then scan the store, the log file and
 * every message for the raw key.
 */
class RawKeySecrecyTest {

    /** An e-mail address with a unique suffix, so the scan cannot match another test's output. */
    private final String rawKey = "alice.smith+" + UUID.randomUUID() + "@example.com";
    private final List<String> messages = new ArrayList<>();

    /** Runs a call that must fail, and keeps every message of the failure for the scan. */
    private void expectFailure(Runnable call) {
        if (!collectFailure(call)) {
            throw new AssertionError("the call should have failed");
        }
    }

    /** Runs a call that may fail (some injected faults leave the caller its result); keeps any failure's messages. */
    private boolean collectFailure(Runnable call) {
        try {
            call.run();
            return false;
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                messages.add(String.valueOf(t.getMessage()));
                messages.add(t.toString());
            }
            return true;
        }
    }

    @Test
    void neverStoresLogsOrThrowsTheRawKey() throws Exception {
        MutableClock clock = MutableClock.startingNow();
        InMemoryIdempotencyStore memory = InMemoryIdempotencyStore.builder().maxResultBytes(100).build();
        IdempotencyConfig config = IdempotencyConfig.builder().clock(clock).lease(Duration.ofSeconds(5))
                .localCacheEnabled(false).build();
        Idempotency idempotency = Idempotency.builder().store(memory).config(config).build();
        IdempotentOperation<String> op = idempotency.operation("accounts.register", String.class).build();

        op.execute(rawKey, "payload", () -> "registered");
        op.execute(rawKey, "payload", () -> "again");
        expectFailure(() -> op.execute(rawKey, "other payload", () -> "x"));
        // Too large to keep: the first caller gets it, and the engine logs that it was not kept.
        idempotency.operation("accounts.large", String.class).build().execute(rawKey, () -> "x".repeat(500));
        expectFailure(() -> idempotency.operation("accounts.large", String.class).build()
                .execute(rawKey, () -> "x"));
        expectFailure(() -> idempotency.operation("accounts.fails", String.class).build().execute(rawKey, () -> {
            throw new IllegalStateException("downstream failed");
        }));

        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            IdempotentOperation<String> slow = idempotency.operation("accounts.slow", String.class).build();
            CountDownLatch running = new CountDownLatch(1);
            CountDownLatch finish = new CountDownLatch(1);
            Future<String> late = pool.submit(() -> slow.execute(rawKey, () -> {
                running.countDown();
                finish.await();
                return "late";
            }));
            running.await();
            expectFailure(() -> slow.execute(rawKey, () -> "duplicate"));
            clock.advance(Duration.ofSeconds(6));
            slow.execute(rawKey, () -> "takeover");
            finish.countDown();
            late.get(10, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }

        for (Operation operation : Operation.values()) {
            FaultInjectingIdempotencyStore failing = FaultInjectingIdempotencyStore.builder(memory)
                    .failing(operation).build();
            IdempotentOperation<String> faulty = Idempotency.builder().store(failing).config(config).build()
                    .operation("accounts.faulty." + operation, String.class).build();
            collectFailure(() -> faulty.execute(rawKey, () -> "x"));
            collectFailure(() -> faulty.execute(rawKey, () -> {
                throw new IllegalStateException("boom");
            }));
        }

        String hash = Hashes.sha256(rawKey);
        IdempotencyRecord stored = memory.find("accounts.register#" + hash).orElseThrow();
        assertThat(stored.id()).endsWith(hash).doesNotContain(rawKey);
        assertThat(new String(stored.result(), StandardCharsets.UTF_8)).doesNotContain(rawKey);
        assertThat(stored.toString()).doesNotContain(rawKey);
        assertThat(messages).isNotEmpty().noneMatch(m -> m.contains(rawKey));
        Path log = Path.of("target/idempotency-test.log");
        assertThat(log).exists();
        String logged = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(logged).as("the log mentions the hashed record ids").contains(hash);
        assertThat(logged).doesNotContain(rawKey);
    }

    /** Declares an operation whose key strategy the next test makes fail. */
    static class Accounts {
        @Idempotent(name = "accounts.strategy", keyStrategy = "quoting")
        public String register(String email) {
            return email;
        }
    }

    @Test
    void neverQuotesTheKeyFromTheMessageOfAFailingKeyStrategy() throws Exception {
        Idempotency idempotency = Idempotency.builder()
                .keyStrategy("quoting", invocation -> {
                    throw new IllegalArgumentException("not a customer number: " + invocation.arguments()[0]);
                })
                .build();
        IdempotentOperation<Object> register =
                idempotency.operation(Accounts.class.getMethod("register", String.class));

        assertThatThrownBy(() -> register.invoke(new Object[] {rawKey}, () -> "x"))
                .isInstanceOf(IdempotencyKeyException.class)
                .hasMessageContaining("failed with IllegalArgumentException")
                .hasMessageNotContaining(rawKey)
                .cause().hasMessageContaining(rawKey);
    }
}

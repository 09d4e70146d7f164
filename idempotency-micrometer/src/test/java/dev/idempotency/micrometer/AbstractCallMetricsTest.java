package dev.idempotency.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotencyInProgressException;
import dev.idempotency.IdempotencyKeyException;
import dev.idempotency.IdempotencyPayloadMismatchException;
import dev.idempotency.IdempotencyReplayException;
import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.MissingKeyPolicy;
import dev.idempotency.store.ClaimResult;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.IdempotencyStore;
import dev.idempotency.testing.FaultInjectingIdempotencyStore;
import dev.idempotency.testing.FaultInjectingIdempotencyStore.Operation;
import dev.idempotency.testing.Hashes;
import dev.idempotency.testing.MutableClock;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Every outcome of a real call on a real store increments exactly its counter, and nothing else among the call and
 * event counters; store requests are timed by operation and result; no tag ever holds a key or its hash. Each store
 * runs the same calls by extending this class.
 */
abstract class AbstractCallMetricsTest {

    static final String NAMESPACE = "orders.place";

    /** A final exception: kept, and replayed to duplicates. */
    public static class DeclinedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public DeclinedException(String message) {
            super(message);
        }
    }

    /** Refers to itself, which JSON cannot express: its result cannot be kept. */
    public static final class Unserializable {
        public Unserializable getSelf() {
            return this;
        }
    }

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final MutableClock clock = MutableClock.at(Instant.now());
    private final List<String> keys = new CopyOnWriteArrayList<>();

    /** The store under test; the same instance for every call of a test. */
    abstract IdempotencyStore store();

    /** The {@code store} tag the store's type gives. */
    abstract String storeType();

    /** A fresh key that looks like the personal data a key may be, remembered for the scan of the tags. */
    String key() {
        String key = "alice+" + UUID.randomUUID() + "@example.com";
        keys.add(key);
        return key;
    }

    IdempotencyConfig.Builder config() {
        return IdempotencyConfig.builder().clock(clock);
    }

    IdempotencyMetrics metrics() {
        return IdempotencyMetrics.builder().meterRegistry(registry).storeType(storeType()).build();
    }

    <T> IdempotentOperation<T> operation(IdempotencyStore store, IdempotencyConfig config, Class<T> type) {
        return metrics().bindTo(Idempotency.builder().store(store).config(config)).build()
                .operation(NAMESPACE, type).finalExceptions(DeclinedException.class).build();
    }

    IdempotentOperation<String> place() {
        return operation(store(), config().build(), String.class);
    }

    IdempotentOperation<String> uncached() {
        return operation(store(), config().localCacheEnabled(false).build(), String.class);
    }

    /** What {@code call} added to the call and event counters, by meter, leaving out those it did not move. */
    Map<String, Double> counted(Runnable call) {
        Map<String, Double> before = counters();
        call.run();
        Map<String, Double> after = counters();
        Map<String, Double> added = new TreeMap<>();
        after.forEach((meter, count) -> {
            double delta = count - before.getOrDefault(meter, 0.0);
            if (delta != 0) {
                added.put(meter, delta);
            }
        });
        return added;
    }

    private Map<String, Double> counters() {
        Map<String, Double> counts = new TreeMap<>();
        for (String name : List.of(IdempotencyMetrics.CALLS, IdempotencyMetrics.EVENTS)) {
            for (Counter counter : registry.find(name).counters()) {
                counts.put(describe(counter), counter.count());
            }
        }
        return counts;
    }

    private static String describe(Meter meter) {
        return meter.getId().getName() + meter.getId().getTags().stream()
                .map(tag -> tag.getKey() + "=" + tag.getValue()).collect(Collectors.joining(",", "{", "}"));
    }

    static String calls(String outcome) {
        return IdempotencyMetrics.CALLS + "{namespace=" + NAMESPACE + ",outcome=" + outcome + "}";
    }

    static String events(String event) {
        return IdempotencyMetrics.EVENTS + "{event=" + event + ",namespace=" + NAMESPACE + "}";
    }

    static Runnable failing(Runnable call, Class<? extends Throwable> expected) {
        return () -> assertThatThrownBy(call::run).isInstanceOf(expected);
    }

    @AfterEach
    void noTagHoldsAKeyOrItsHash() {
        assertThat(keys).isNotEmpty();
        List<String> values = registry.getMeters().stream()
                .flatMap(meter -> meter.getId().getTags().stream())
                .map(Tag::getValue)
                .toList();
        assertThat(values).isNotEmpty();
        for (String key : keys) {
            String hash = Hashes.sha256(key);
            assertThat(values).noneMatch(value -> value.contains(key) || value.contains(hash)
                    || value.contains(key.substring(0, 12)));
        }
    }

    // --- one outcome each ---

    @Test
    void countsAnExecutedCall() {
        assertThat(counted(() -> place().execute(key(), "p", () -> "receipt")))
                .isEqualTo(Map.of(calls("executed"), 1.0));
    }

    @Test
    void countsAReplayFromTheLocalCache() {
        IdempotentOperation<String> place = place();
        String key = key();
        place.execute(key, "p", () -> "receipt");

        assertThat(counted(() -> place.execute(key, "p", () -> "again")))
                .isEqualTo(Map.of(calls("replayed_from_cache"), 1.0));
    }

    @Test
    void countsAReplayFromTheStore() {
        String key = key();
        place().execute(key, "p", () -> "receipt");

        assertThat(counted(() -> uncached().execute(key, "p", () -> "again")))
                .isEqualTo(Map.of(calls("replayed_from_store"), 1.0));
    }

    @Test
    void countsAPayloadMismatch() {
        String key = key();
        place().execute(key, "p", () -> "receipt");

        assertThat(counted(failing(() -> uncached().execute(key, "other", () -> "x"),
                IdempotencyPayloadMismatchException.class)))
                .isEqualTo(Map.of(calls("payload_mismatch"), 1.0));
    }

    @Test
    void countsABodyThatThrewAndReleasedTheKey() {
        assertThat(counted(failing(() -> place().execute(key(), () -> {
            throw new IllegalStateException("gateway timeout");
        }), IllegalStateException.class))).isEqualTo(Map.of(calls("failed"), 1.0));
    }

    @Test
    void countsAKeptFailureAndItsReplay() {
        String key = key();
        Runnable declined = () -> place().execute(key, () -> {
            throw new DeclinedException("card declined");
        });

        assertThat(counted(failing(declined, DeclinedException.class)))
                .isEqualTo(Map.of(calls("failure_kept"), 1.0));
        assertThat(counted(failing(declined, DeclinedException.class)))
                .isEqualTo(Map.of(calls("replayed_from_store"), 1.0));
    }

    @Test
    void countsACallRefusedWhileAnotherRuns() {
        IdempotentOperation<String> place = place();
        String key = key();
        Map<String, Double> whileRunning = new TreeMap<>();
        place.execute(key, () -> {
            whileRunning.putAll(counted(failing(() -> place.execute(key, () -> "x"),
                    IdempotencyInProgressException.class)));
            return "receipt";
        });

        assertThat(whileRunning).isEqualTo(Map.of(calls("in_progress"), 1.0));
    }

    @Test
    void countsACallWithoutAKey() {
        key();
        assertThat(counted(failing(() -> place().execute(null, () -> "x"), IdempotencyKeyException.class)))
                .isEqualTo(Map.of(calls("invalid_key"), 1.0));
    }

    @Test
    void countsACallRunWithoutProtectionAsConfigured() {
        key();
        IdempotentOperation<String> lenient = operation(store(),
                config().missingKeyPolicy(MissingKeyPolicy.RUN_UNPROTECTED).build(), String.class);

        assertThat(counted(() -> lenient.execute(null, () -> "x"))).isEqualTo(Map.of(calls("unprotected"), 1.0));
    }

    @Test
    void countsACallRefusedBecauseTheStoreFailedAndTheFailure() {
        FaultInjectingIdempotencyStore failing = FaultInjectingIdempotencyStore.builder(store())
                .failing(Operation.CLAIM).probability(1.0).build();
        IdempotentOperation<String> place = operation(failing, config().build(), String.class);

        assertThat(counted(failing(() -> place.execute(key(), () -> "x"), IdempotencyStoreException.class)))
                .isEqualTo(Map.of(calls("store_failure"), 1.0, events("store_failure"), 1.0));
    }

    @Test
    void countsAResultThatWasNotKeptAndTheDuplicateThatCouldNotReplayIt() {
        IdempotentOperation<Unserializable> export = operation(store(), config().build(), Unserializable.class);
        String key = key();

        assertThat(counted(() -> export.execute(key, Unserializable::new)))
                .isEqualTo(Map.of(calls("executed"), 1.0, events("result_not_kept"), 1.0));
        assertThat(counted(failing(() -> export.execute(key, Unserializable::new), IdempotencyReplayException.class)))
                .isEqualTo(Map.of(calls("replay_failed"), 1.0));
    }

    @Test
    void countsALostLease() {
        IdempotentOperation<String> place = place();
        String key = key();

        // The first call outlives its lease; a second call takes the key over and completes first.
        assertThat(counted(() -> place.execute(key, () -> {
            clock.advance(IdempotencyConfig.DEFAULT_LEASE.plusSeconds(1));
            place.execute(key, () -> "takeover");
            return "late";
        }))).isEqualTo(Map.of(calls("executed"), 2.0, events("lease_lost"), 1.0));
    }

    @Test
    void countsACompletionTheStoreFailedToRecordWithoutChangingTheOutcome() {
        FaultInjectingIdempotencyStore failing = FaultInjectingIdempotencyStore.builder(store())
                .failing(Operation.COMPLETE, Operation.FIND).probability(1.0).build();
        // A settle budget of 1 ms on a real clock: one try of the write, no retries.
        IdempotentOperation<String> place = operation(failing,
                config().clock(Clock.systemUTC()).settleTimeout(Duration.ofMillis(1)).build(), String.class);

        assertThat(counted(() -> assertThat(place.execute(key(), () -> "receipt")).isEqualTo("receipt")))
                .isEqualTo(Map.of(calls("executed"), 1.0, events("store_failure"), 1.0));
    }

    @Test
    void countsAFaultOfAComponentAsAnError() {
        IdempotencyStore store = store();
        IdempotencyStore broken = new IdempotencyStore() {
            @Override
            public ClaimResult claim(IdempotencyRecord record, Instant now) {
                return null;
            }

            @Override
            public boolean complete(IdempotencyRecord finished) {
                return store.complete(finished);
            }

            @Override
            public boolean release(String id, String claimToken) {
                return store.release(id, claimToken);
            }

            @Override
            public Optional<IdempotencyRecord> find(String id) {
                return store.find(id);
            }
        };
        IdempotentOperation<String> place = operation(broken, config().build(), String.class);

        assertThat(counted(failing(() -> place.execute(key(), () -> "x"), NullPointerException.class)))
                .isEqualTo(Map.of(calls("error"), 1.0));
    }

    @Test
    void countsAnAsynchronousCallWhenItsStageSettles() {
        IdempotentOperation<String> place = place();
        CompletableFuture<String> stage = new CompletableFuture<>();
        String key = key();

        assertThat(counted(() -> place.executeAsync(key, null, () -> stage))).isEmpty();
        assertThat(counted(() -> stage.complete("receipt"))).isEqualTo(Map.of(calls("executed"), 1.0));
    }

    // --- store requests ---

    @Test
    void timesEveryStoreRequestByOperationAndResult() {
        String key = key();
        place().execute(key, "p", () -> "receipt");
        uncached().execute(key, "p", () -> "again");
        assertThatThrownBy(() -> place().execute(key(), () -> {
            throw new IllegalStateException("gateway timeout");
        })).isInstanceOf(IllegalStateException.class);
        FaultInjectingIdempotencyStore failing = FaultInjectingIdempotencyStore.builder(store())
                .failing(Operation.CLAIM).probability(1.0).build();
        assertThatThrownBy(() -> operation(failing, config().build(), String.class).execute(key(), () -> "x"))
                .isInstanceOf(IdempotencyStoreException.class);

        assertThat(storeRequests()).isEqualTo(Map.of(
                "claim success", 3L, "claim failure", 2L,
                "complete success", 1L, "complete failure", 0L,
                "release success", 1L, "release failure", 0L,
                "find success", 0L, "find failure", 0L));
        assertThat(registry.find(IdempotencyMetrics.STORE_REQUESTS).timers())
                .allSatisfy(timer -> assertThat(timer.getId().getTag("store")).isEqualTo(storeType()));
    }

    private Map<String, Long> storeRequests() {
        Map<String, Long> counts = new TreeMap<>();
        for (Timer timer : registry.find(IdempotencyMetrics.STORE_REQUESTS).timers()) {
            counts.put(timer.getId().getTag("operation") + " " + timer.getId().getTag("result"), timer.count());
        }
        return counts;
    }
}

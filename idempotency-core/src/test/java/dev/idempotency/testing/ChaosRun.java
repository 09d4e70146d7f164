package dev.idempotency.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotencyException;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.IdempotencyStore;
import dev.idempotency.store.RecordStatus;
import dev.idempotency.testing.FaultInjectingIdempotencyStore.Operation;
import dev.idempotency.testing.FaultInjectingIdempotencyStore.Timing;

/**
 * A chaos run against any store: many threads call over a few hundred keys with random duplicates while a share of
 * store operations fail (before or after taking effect) and some bodies throw. Then faults stop, leases run out,
 * and every key is called once more. It asserts, exactly:
 *
 * <ul>
 *   <li>no key's body returns twice within the retention time;</li>
 *   <li>every caller got either the result the store finally recorded for its key, a typed
 *       {@link IdempotencyException}, or the body's own exception;</li>
 *   <li>once faults stop and leases run out, every key completes.</li>
 * </ul>
 *
 * It returns the counts, which tests print so a reader sees what happened.
 */
public final class ChaosRun {

    /** What the body throws now and then, as a flaky downstream would. */
    public static final class BodyFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BodyFailure() {
            super("the downstream call failed");
        }
    }

    /** The counts of one run. */
    public record Report(int calls, int executions, int bodyFailures, int replays, int faultsInjected,
            Map<String, Integer> exceptions) {

        @Override
        public String toString() {
            return "calls=" + calls + " executions=" + executions + " bodyFailures=" + bodyFailures + " replays="
                    + replays + " faultsInjected=" + faultsInjected + " exceptions=" + exceptions;
        }
    }

    private final int threads;
    private final int calls;
    private final int keys;
    private final double faultProbability;

    public ChaosRun(int threads, int calls, int keys, double faultProbability) {
        this.threads = threads;
        this.calls = calls;
        this.keys = keys;
        this.faultProbability = faultProbability;
    }

    public Report run(IdempotencyStore store) throws InterruptedException {
        MutableClock clock = MutableClock.startingNow();
        Duration lease = Duration.ofSeconds(30);
        FaultInjectingIdempotencyStore faulty = FaultInjectingIdempotencyStore.builder(store)
                .failing(Operation.values())
                .probability(faultProbability)
                .timing(Timing.EITHER)
                .seed(ThreadLocalRandom.current().nextLong())
                .build();
        IdempotentOperation<String> op = Idempotency.builder()
                .store(faulty)
                .config(IdempotencyConfig.builder().clock(clock).lease(lease).localCacheEnabled(false).build())
                .build()
                .operation("chaos." + UUID.randomUUID(), String.class)
                .build();

        AtomicIntegerArray returned = new AtomicIntegerArray(keys);
        AtomicInteger executions = new AtomicInteger();
        AtomicInteger bodyFailures = new AtomicInteger();
        AtomicInteger attempts = new AtomicInteger();
        ConcurrentMap<Integer, List<String>> valuesSeen = new ConcurrentHashMap<>();
        ConcurrentMap<String, Integer> exceptions = new ConcurrentHashMap<>();

        List<Race.Outcome<Void>> outcomes = Race.run(threads, 600, thread -> () -> {
            while (attempts.getAndIncrement() < calls) {
                int key = ThreadLocalRandom.current().nextInt(keys);
                try {
                    String value = op.execute("key-" + key, "payload-" + key, () -> {
                        executions.incrementAndGet();
                        if (ThreadLocalRandom.current().nextInt(20) == 0) {
                            bodyFailures.incrementAndGet();
                            throw new BodyFailure();
                        }
                        return "result of key " + key + " run " + returned.incrementAndGet(key);
                    });
                    valuesSeen.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>())
                            .add(value);
                } catch (IdempotencyException | BodyFailure expected) {
                    exceptions.merge(expected.getClass().getSimpleName(), 1, Integer::sum);
                }
            }
            return null;
        });
        assertThat(outcomes).as("only typed exceptions or the body's own reach callers")
                .allSatisfy(o -> assertThat(o.failure()).isNull());

        faulty.disableFaults();
        clock.advance(lease.plusSeconds(1));
        for (int key = 0; key < keys; key++) {
            int k = key;
            String value = op.execute("key-" + key, "payload-" + key, () -> {
                executions.incrementAndGet();
                return "result of key " + k + " run " + returned.incrementAndGet(k);
            });
            valuesSeen.computeIfAbsent(key, x -> new CopyOnWriteArrayList<>()).add(value);
        }

        int replays = 0;
        for (int key = 0; key < keys; key++) {
            assertThat(returned.get(key)).as("returns of key %d's body", key).isEqualTo(1);
            String recorded = recordedValue(store, op.namespace(), "key-" + key).orElse(null);
            assertThat(recorded).as("the completed record of key %d", key).isNotNull();
            List<String> seen = valuesSeen.get(key);
            assertThat(seen).as("values callers of key %d got", key).containsOnly(recorded);
            replays += seen.size() - 1;
        }
        return new Report(calls + keys, executions.get(), bodyFailures.get(), replays, faulty.faults(),
                new TreeMap<>(exceptions));
    }

    private static Optional<String> recordedValue(IdempotencyStore store, String namespace, String key) {
        return store.find(namespace + "#" + Hashes.sha256(key))
                .filter(r -> r.status() == RecordStatus.COMPLETED)
                .map(IdempotencyRecord::result)
                .map(bytes -> tools.jackson.databind.json.JsonMapper.builder().build().readValue(bytes, String.class));
    }
}

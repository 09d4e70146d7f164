package dev.idempotency.benchmarks;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.benchmarks.Fixtures.Receipt;
import dev.idempotency.store.ClaimResult;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.IdempotencyStore;

/**
 * What the framework adds to one call on the in-memory store, each beside the bare call: a first call (claim,
 * run, complete), a duplicate answered by the local cache, and a duplicate answered by the store (cache off). A
 * first call on a store that keeps nothing separates the engine's share from the in-memory store's. Longer than
 * the other benchmarks: a first call settles only once the store's records and the heap have reached their steady
 * size, about 10 s in.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class CoreCallBenchmark {

    private IdempotentOperation<Receipt> firstCalls;
    private IdempotentOperation<Receipt> firstCallsOnANoOpStore;
    private IdempotentOperation<Receipt> cached;
    private IdempotentOperation<Receipt> uncached;
    private long nextKey;

    @Setup
    public void setUp() {
        firstCalls = Fixtures.inMemory(true).operation("bench.first", Receipt.class).build();
        cached = Fixtures.inMemory(true).operation("bench.cached", Receipt.class).build();
        uncached = Fixtures.inMemory(false).operation("bench.uncached", Receipt.class)
                .ttl(java.time.Duration.ofHours(1)).build();
        firstCallsOnANoOpStore = Idempotency.builder().store(new NoOpStore())
                .config(IdempotencyConfig.builder().localCacheEnabled(false).build()).build()
                .operation("bench.noop", Receipt.class).build();
        cached.execute("hot-key", Fixtures.ORDER, () -> Fixtures.charge(Fixtures.ORDER));
        uncached.execute("hot-key", Fixtures.ORDER, () -> Fixtures.charge(Fixtures.ORDER));
    }

    @Benchmark
    public Receipt bareCall() {
        return Fixtures.charge(Fixtures.ORDER);
    }

    @Benchmark
    public Receipt firstCall() {
        return firstCalls.execute(nextKey++, Fixtures.ORDER, () -> Fixtures.charge(Fixtures.ORDER));
    }

    /** The engine's own share of a first call: the same call on a store that keeps nothing and always grants. */
    @Benchmark
    public Receipt firstCallOnANoOpStore() {
        return firstCallsOnANoOpStore.execute(nextKey++, Fixtures.ORDER, () -> Fixtures.charge(Fixtures.ORDER));
    }

    @Benchmark
    public Receipt duplicateFromLocalCache() {
        return cached.execute("hot-key", Fixtures.ORDER, () -> Fixtures.charge(Fixtures.ORDER));
    }

    @Benchmark
    public Receipt duplicateFromStore() {
        return uncached.execute("hot-key", Fixtures.ORDER, () -> Fixtures.charge(Fixtures.ORDER));
    }

    /** Grants every claim and keeps nothing, so a benchmark measures the engine without a store's cost. */
    static final class NoOpStore implements IdempotencyStore {

        @Override
        public ClaimResult claim(IdempotencyRecord record, Instant now) {
            return ClaimResult.claimed();
        }

        @Override
        public boolean complete(IdempotencyRecord finished) {
            return true;
        }

        @Override
        public boolean release(String id, String claimToken) {
            return true;
        }

        @Override
        public Optional<IdempotencyRecord> find(String id) {
            return Optional.empty();
        }
    }
}

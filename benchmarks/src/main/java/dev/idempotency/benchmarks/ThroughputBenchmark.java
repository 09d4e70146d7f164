package dev.idempotency.benchmarks;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import dev.idempotency.IdempotentOperation;
import dev.idempotency.benchmarks.Fixtures.Receipt;

/** Calls per second on the in-memory store with 1, 2 and 8 threads: distinct keys (first calls) and one hot key. */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class ThroughputBenchmark {

    /** One engine and store shared by every thread, as in an application. */
    @State(Scope.Benchmark)
    public static class Shared {
        final AtomicLong threads = new AtomicLong();
        IdempotentOperation<Receipt> operation;

        @Setup
        public void setUp() {
            operation = Fixtures.inMemory(true).operation("bench.throughput", Receipt.class).build();
            operation.execute("hot-key", Fixtures.ORDER, () -> Fixtures.charge(Fixtures.ORDER));
        }
    }

    /** Each thread's own key range, so distinct-key calls never collide. */
    @State(Scope.Thread)
    public static class Keys {
        long next;

        @Setup
        public void setUp(Shared shared) {
            next = shared.threads.incrementAndGet() << 40;
        }
    }

    private static Receipt distinct(Shared shared, Keys keys) {
        return shared.operation.execute(keys.next++, Fixtures.ORDER, () -> Fixtures.charge(Fixtures.ORDER));
    }

    private static Receipt hot(Shared shared) {
        return shared.operation.execute("hot-key", Fixtures.ORDER, () -> Fixtures.charge(Fixtures.ORDER));
    }

    @Benchmark
    @Threads(1)
    public Receipt distinctKeys1Thread(Shared shared, Keys keys) {
        return distinct(shared, keys);
    }

    @Benchmark
    @Threads(2)
    public Receipt distinctKeys2Threads(Shared shared, Keys keys) {
        return distinct(shared, keys);
    }

    @Benchmark
    @Threads(8)
    public Receipt distinctKeys8Threads(Shared shared, Keys keys) {
        return distinct(shared, keys);
    }

    @Benchmark
    @Threads(1)
    public Receipt hotKey1Thread(Shared shared) {
        return hot(shared);
    }

    @Benchmark
    @Threads(2)
    public Receipt hotKey2Threads(Shared shared) {
        return hot(shared);
    }

    @Benchmark
    @Threads(8)
    public Receipt hotKey8Threads(Shared shared) {
        return hot(shared);
    }
}

package dev.idempotency.benchmarks;

import java.time.Duration;
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

import dev.idempotency.Idempotency;
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
        IdempotentOperation<Receipt> firstCalls;
        IdempotentOperation<Receipt> hotKey;

        @Setup
        public void setUp() {
            Idempotency idempotency = Fixtures.inMemory(true);
            firstCalls = idempotency.operation("bench.throughput", Receipt.class).build();
            // Kept for the whole run: an expiring hot key would make the threads race to run it again.
            hotKey = idempotency.operation("bench.throughput.hot", Receipt.class).ttl(Duration.ofHours(1)).build();
            hotKey.execute("hot-key", Fixtures.ORDER, () -> Fixtures.charge(Fixtures.ORDER));
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
        return shared.firstCalls.execute(keys.next++, Fixtures.ORDER, () -> Fixtures.charge(Fixtures.ORDER));
    }

    private static Receipt hot(Shared shared) {
        return shared.hotKey.execute("hot-key", Fixtures.ORDER, () -> Fixtures.charge(Fixtures.ORDER));
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

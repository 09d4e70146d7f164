package dev.idempotency.benchmarks;

import java.lang.reflect.Method;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import dev.idempotency.Idempotent;
import dev.idempotency.IdempotencyKey;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.benchmarks.Fixtures.Order;
import dev.idempotency.benchmarks.Fixtures.Receipt;
import dev.idempotency.key.Invocation;
import dev.idempotency.key.KeyStrategy;

/**
 * Key strategies and payload fingerprinting as the payload grows: 100 B, 10 KB and 100 KB of arguments. The
 * duplicate is answered by the local cache, so what grows is the key and fingerprint work.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
@State(Scope.Thread)
public class PayloadSizeBenchmark {

    @Param({"100", "10000", "100000"})
    public int payloadBytes;

    private Object[] arguments;
    private Invocation invocation;
    private IdempotentOperation<Object> operation;

    /** The annotated method whose invocations the benchmark replays. */
    public static class OrderService {
        @Idempotent(name = "bench.payload")
        public Receipt place(@IdempotencyKey String requestId, Order order) {
            return Fixtures.charge(order);
        }
    }

    @Setup
    public void setUp() throws NoSuchMethodException {
        Order order = new Order("order-0001", 2, "x".repeat(Math.max(0, payloadBytes - 50)));
        arguments = new Object[] {"request-7c9e6679", order};
        Method method = OrderService.class.getMethod("place", String.class, Order.class);
        invocation = new Invocation(method, arguments);
        operation = Fixtures.inMemory(true).operation(method);
        operation.invoke(arguments, () -> Fixtures.charge(order));
    }

    @Benchmark
    public Receipt bareCall() {
        return Fixtures.charge((Order) arguments[1]);
    }

    @Benchmark
    public Object annotatedParameterKeyStrategy() {
        return KeyStrategy.annotatedParameters().key(invocation);
    }

    @Benchmark
    public Object allArgumentsKeyStrategy() {
        return KeyStrategy.allArguments().key(invocation);
    }

    @Benchmark
    public Object duplicateFromLocalCache() {
        return operation.invoke(arguments, () -> Fixtures.charge((Order) arguments[1]));
    }
}

package dev.idempotency.benchmarks;

import java.util.Map;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.MapPropertySource;

import dev.idempotency.IdempotencyKey;
import dev.idempotency.Idempotent;
import dev.idempotency.benchmarks.Fixtures.Order;
import dev.idempotency.benchmarks.Fixtures.Receipt;
import dev.idempotency.spring.EnableIdempotency;

/**
 * The core call paths again, through the Spring proxy and aspect: a first call, a duplicate from the local cache,
 * a duplicate from the store with the cache off, and a duplicate keyed by a SpEL expression.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
@State(Scope.Thread)
public class SpringProxyBenchmark {

    /** The annotated service. */
    public static class PaymentService {

        @Idempotent(name = "bench.spring", ttl = "2s", lease = "1s")
        public Receipt charge(@IdempotencyKey Object key, Order order) {
            return Fixtures.charge(order);
        }

        @Idempotent(name = "bench.spring.spel", key = "#key", ttl = "1h")
        public Receipt chargeBySpel(String key, Order order) {
            return Fixtures.charge(order);
        }
    }

    @Configuration
    @EnableIdempotency
    public static class Application {
        @Bean
        public PaymentService paymentService() {
            return new PaymentService();
        }
    }

    private final PaymentService bare = new PaymentService();
    private AnnotationConfigApplicationContext cached;
    private AnnotationConfigApplicationContext uncached;
    private PaymentService withCache;
    private PaymentService withoutCache;
    private long nextKey;

    @Setup
    public void setUp() {
        cached = context(Map.of());
        uncached = context(Map.of("idempotency.local-cache.enabled", "false", "idempotency.ttl", "1h"));
        withCache = cached.getBean(PaymentService.class);
        withoutCache = uncached.getBean(PaymentService.class);
        withCache.chargeBySpel("hot-key", Fixtures.ORDER);
        withoutCache.chargeBySpel("hot-key", Fixtures.ORDER);
    }

    private static AnnotationConfigApplicationContext context(Map<String, Object> properties) {
        AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
        context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("benchmark", properties));
        context.register(Application.class);
        context.refresh();
        return context;
    }

    @TearDown
    public void tearDown() {
        cached.close();
        uncached.close();
    }

    @Benchmark
    public Receipt bareCall() {
        return bare.charge("hot-key", Fixtures.ORDER);
    }

    @Benchmark
    public Receipt firstCall() {
        return withCache.charge(nextKey++, Fixtures.ORDER);
    }

    @Benchmark
    public Receipt duplicateFromLocalCache() {
        return withCache.chargeBySpel("hot-key", Fixtures.ORDER);
    }

    @Benchmark
    public Receipt duplicateFromStore() {
        return withoutCache.chargeBySpel("hot-key", Fixtures.ORDER);
    }
}

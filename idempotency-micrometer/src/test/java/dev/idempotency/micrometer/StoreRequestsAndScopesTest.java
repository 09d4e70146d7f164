package dev.idempotency.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotencyKeyException;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.InProgressPolicy;
import dev.idempotency.store.InMemoryIdempotencyStore;
import dev.idempotency.testing.CountingIdempotencyStore;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;

/**
 * Guards that held: the store timers count exactly the requests a counting store decorator sees (a duplicate that
 * waits and ends in a replay included, with real threads), a waiting duplicate is counted once as a store replay,
 * nested idempotent calls are counted once each with the inner observation a child of the outer, and no call leaves
 * an observation current on a pooled thread, whatever it ended with.
 */
class StoreRequestsAndScopesTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final TestObservationRegistry observations = TestObservationRegistry.create();
    private final CountingIdempotencyStore store = new CountingIdempotencyStore(InMemoryIdempotencyStore.create());
    private final ExecutorService pool = Executors.newFixedThreadPool(2);

    @AfterEach
    void stopPool() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }

    private Idempotency idempotency(IdempotencyConfig config) {
        return IdempotencyMetrics.builder().meterRegistry(meters).observationRegistry(observations).store(store)
                .build().bindTo(Idempotency.builder().store(store).config(config)).build();
    }

    private double calls(String namespace, String outcome) {
        Counter counter = meters.find(IdempotencyMetrics.CALLS).tag("namespace", namespace).tag("outcome", outcome)
                .counter();
        return counter == null ? 0 : counter.count();
    }

    private Map<String, Long> timed() {
        Map<String, Long> counts = new TreeMap<>();
        for (Timer timer : meters.find(IdempotencyMetrics.STORE_REQUESTS).timers()) {
            counts.merge(timer.getId().getTag("operation"), timer.count(), Long::sum);
        }
        return counts;
    }

    @Test
    void timesExactlyTheRequestsTheStoreSawWithAWaitingDuplicateThatEndsInAReplay() throws Exception {
        Idempotency idempotency = idempotency(IdempotencyConfig.builder().localCacheEnabled(false)
                .inProgressPolicy(InProgressPolicy.WAIT).waitTimeout(Duration.ofSeconds(20)).build());
        IdempotentOperation<String> place = idempotency.operation("orders.place", String.class).build();
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);

        Future<String> first = pool.submit(() -> place.execute("order-1", () -> {
            running.countDown();
            assertThat(finish.await(20, TimeUnit.SECONDS)).isTrue();
            return "receipt";
        }));
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        Future<String> waiting = pool.submit(() -> place.execute("order-1", () -> "second run"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (store.finds() < 2 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        finish.countDown();

        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("receipt");
        assertThat(waiting.get(10, TimeUnit.SECONDS)).isEqualTo("receipt");
        assertThat(calls("orders.place", "executed")).isEqualTo(1);
        assertThat(calls("orders.place", "replayed_from_store")).isEqualTo(1);
        assertThat(store.finds()).isGreaterThanOrEqualTo(2);
        assertThat(timed()).isEqualTo(Map.of("claim", (long) store.claims(), "complete", (long) store.completes(),
                "release", (long) store.releases(), "find", (long) store.finds()));
    }

    @Test
    void countsNestedCallsOnceEachAndNestsTheirObservations() {
        Idempotency idempotency = idempotency(IdempotencyConfig.defaults());
        IdempotentOperation<String> outer = idempotency.operation("orders.place", String.class).build();
        IdempotentOperation<String> inner = idempotency.operation("payments.charge", String.class).build();

        assertThat(outer.execute("order-1", () -> inner.execute("charge-1", () -> "charged") + " and placed"))
                .isEqualTo("charged and placed");
        assertThatThrownBy(() -> outer.execute("order-2", () -> inner.execute(null, () -> "never")))
                .isInstanceOf(IdempotencyKeyException.class);

        assertThat(calls("orders.place", "executed")).isEqualTo(1);
        assertThat(calls("payments.charge", "executed")).isEqualTo(1);
        assertThat(calls("orders.place", "failed")).isEqualTo(1);
        assertThat(calls("payments.charge", "invalid_key")).isEqualTo(1);
        assertThat(observations.getCurrentObservation()).isNull();
        io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat(observations)
                .hasNumberOfObservationsWithNameEqualTo(IdempotencyMetrics.OBSERVATION, 4);
    }

    @Test
    void leavesNoObservationCurrentOnAPooledThreadWhateverTheCallEndedWith() throws Exception {
        Idempotency idempotency = idempotency(IdempotencyConfig.defaults());
        IdempotentOperation<String> place = idempotency.operation("orders.place", String.class).build();
        ExecutorService one = Executors.newSingleThreadExecutor();
        try {
            for (int i = 0; i < 20; i++) {
                String key = "order-" + (i % 3);
                int n = i;
                Observation current = one.submit(() -> {
                    try {
                        place.execute(n % 5 == 0 ? null : key, () -> {
                            if (n % 4 == 0) {
                                throw new IllegalStateException("gateway timeout");
                            }
                            return "receipt";
                        });
                    } catch (RuntimeException expected) {
                        // every outcome, refusals included
                    }
                    return observations.getCurrentObservation();
                }).get(10, TimeUnit.SECONDS);
                assertThat(current).as("call %s", i).isNull();
            }
        } finally {
            one.shutdownNow();
        }
        double counted = meters.find(IdempotencyMetrics.CALLS).counters().stream().mapToDouble(Counter::count).sum();
        assertThat(counted).isEqualTo(20);
    }

    @Test
    void keepsCountingWhenTheObservationsAreOff() {
        ObservationRegistry off = ObservationRegistry.create();
        off.observationConfig().observationPredicate((name, context) -> !name.startsWith("idempotency"));
        off.observationConfig().observationHandler(context -> true);
        Idempotency idempotency = IdempotencyMetrics.builder().meterRegistry(meters).observationRegistry(off)
                .store(store).build().bindTo(Idempotency.builder().store(store)).build();

        idempotency.operation("orders.place", String.class).build().execute("order-1", () -> "receipt");

        assertThat(calls("orders.place", "executed")).isEqualTo(1);
        assertThat(off.getCurrentObservation()).isNull();
    }
}

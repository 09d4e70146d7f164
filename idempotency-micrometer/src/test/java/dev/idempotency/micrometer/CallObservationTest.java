package dev.idempotency.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyPayloadMismatchException;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.testing.Hashes;

import io.micrometer.common.KeyValue;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;

/**
 * One {@value IdempotencyMetrics#OBSERVATION} observation per call, started and stopped once, with the namespace and
 * the outcome and never the key; in scope on the caller's thread while the body runs, so that the body's own
 * observations are its children; stopped where an asynchronous call settles. {@link TestObservationRegistry} also
 * fails any call that breaks the observation's lifecycle (stopped twice, a scope closed on the wrong thread).
 */
class CallObservationTest {

    private final TestObservationRegistry observations = TestObservationRegistry.create();
    private final Lifecycle lifecycle = new Lifecycle();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final ExecutorService pool = Executors.newSingleThreadExecutor();
    private final String key = "alice+" + UUID.randomUUID() + "@example.com";

    CallObservationTest() {
        observations.observationConfig().observationHandler(lifecycle);
    }

    @AfterEach
    void stopPool() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }

    private IdempotentOperation<String> place(ObservationRegistry registry) {
        IdempotencyMetrics metrics = IdempotencyMetrics.builder().meterRegistry(meters).observationRegistry(registry)
                .storeType("memory").build();
        return metrics.bindTo(Idempotency.builder()).build().operation("orders.place", String.class).build();
    }

    @Test
    void observesEachCallOnceWithItsNamespaceOutcomeAndError() {
        IdempotentOperation<String> place = place(observations);

        place.execute(key, "p", () -> "receipt");
        place.execute(key, "p", () -> "again");
        assertThatThrownBy(() -> place.execute(key, "other", () -> "x"))
                .isInstanceOf(IdempotencyPayloadMismatchException.class);

        TestObservationRegistryAssert.assertThat(observations)
                .hasNumberOfObservationsWithNameEqualTo(IdempotencyMetrics.OBSERVATION, 3)
                .forAllObservationsWithNameEqualTo(IdempotencyMetrics.OBSERVATION, call -> call
                        .hasContextualNameEqualTo("idempotency orders.place")
                        .hasLowCardinalityKeyValue("namespace", "orders.place")
                        .hasLowCardinalityKeyValueWithKey("outcome"));
        assertThat(lifecycle.outcomes()).containsExactly("executed", "replayed_from_cache", "payload_mismatch");
        assertThat(lifecycle.errors()).containsExactly("none", "none", "IdempotencyPayloadMismatchException");
        assertThat(lifecycle.startedOnceAndStoppedOnce()).isTrue();
        assertThat(observations.getCurrentObservation()).as("every scope closed").isNull();
    }

    @Test
    void makesTheBodysOwnObservationsChildrenOfTheCall() {
        IdempotentOperation<String> place = place(observations);

        place.execute(key, () -> Observation.createNotStarted("gateway.charge", observations)
                .observe(() -> "receipt"));

        TestObservationRegistryAssert.assertThat(observations)
                .hasNumberOfObservationsEqualTo(2)
                .hasObservationWithNameEqualTo("gateway.charge").that()
                .hasParentObservationContextMatching(parent ->
                        parent.getName().equals(IdempotencyMetrics.OBSERVATION));
        TestObservationRegistryAssert.assertThat(observations)
                .hasObservationWithNameEqualTo(IdempotencyMetrics.OBSERVATION).that()
                .doesNotHaveParentObservation();
        assertThat(observations.getCurrentObservation()).isNull();
    }

    @Test
    void nestsTheCallUnderTheCallersObservation() {
        IdempotentOperation<String> place = place(observations);

        Observation.createNotStarted("http.server.requests", observations)
                .observe(() -> place.execute(key, () -> "receipt"));

        TestObservationRegistryAssert.assertThat(observations)
                .hasObservationWithNameEqualTo(IdempotencyMetrics.OBSERVATION).that()
                .hasParentObservationContextMatching(parent -> parent.getName().equals("http.server.requests"));
    }

    @Test
    void leavesTheCallersThreadWhenTheStageIsHandedBackAndStopsWhereItSettles() throws Exception {
        IdempotentOperation<String> place = place(observations);
        CompletableFuture<String> stage = new CompletableFuture<>();
        Thread caller = Thread.currentThread();

        CompletableFuture<String> result = place.executeAsync(key, null, () -> stage);
        assertThat(observations.getCurrentObservation()).as("the scope closed as the caller left").isNull();
        assertThat(lifecycle.stops).isEmpty();
        pool.submit(() -> stage.complete("receipt")).get(5, TimeUnit.SECONDS);

        assertThat(result.get(5, TimeUnit.SECONDS)).isEqualTo("receipt");
        assertThat(lifecycle.outcomes()).containsExactly("executed");
        assertThat(lifecycle.stoppedOn).hasSize(1).doesNotContain(caller);
        assertThat(lifecycle.startedOnceAndStoppedOnce()).isTrue();
        assertThat(meters.get(IdempotencyMetrics.CALLS).tag("outcome", "executed").counter().count()).isEqualTo(1);
    }

    @Test
    void neverPutsTheKeyOrItsHashInAKeyValue() {
        IdempotentOperation<String> place = place(observations);
        place.execute(key, () -> "receipt");
        place.execute(key, () -> "again");

        List<String> values = new ArrayList<>();
        TestObservationRegistryAssert.assertThat(observations).hasHandledContextsThatSatisfy(contexts -> {
            for (Observation.Context context : contexts) {
                context.getAllKeyValues().forEach(keyValue -> values.add(keyValue.getValue()));
                values.add(String.valueOf(context.getContextualName()));
                assertThat(context.getHighCardinalityKeyValues()).isEmpty();
            }
        });
        assertThat(values).isNotEmpty().noneMatch(value -> value.contains(key) || value.contains(Hashes.sha256(key)));
    }

    @Test
    void countsWithoutObservingWhenTheRegistryHasNoHandler() {
        IdempotentOperation<String> place = place(ObservationRegistry.create());

        place.execute(key, () -> "receipt");

        assertThat(meters.get(IdempotencyMetrics.CALLS).tag("outcome", "executed").counter().count()).isEqualTo(1);
    }

    @Test
    void givesMicrometersMeterHandlerATimerOfCallsByOutcome() {
        ObservationRegistry registry = ObservationRegistry.create();
        registry.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
        IdempotentOperation<String> place = place(registry);

        place.execute(key, () -> "receipt");
        place.execute(key, () -> "again");

        Timer executed = meters.get(IdempotencyMetrics.OBSERVATION).tag("outcome", "executed").timer();
        assertThat(executed.getId().getTags()).extracting(tag -> tag.getKey() + "=" + tag.getValue())
                .containsExactlyInAnyOrder("namespace=orders.place", "outcome=executed", "error=none");
        assertThat(executed.count()).isEqualTo(1);
        assertThat(meters.get(IdempotencyMetrics.OBSERVATION).tag("outcome", "replayed_from_cache").timer().count())
                .isEqualTo(1);
        assertThat(meters.get(IdempotencyMetrics.OBSERVATION + ".active").tag("namespace", "orders.place")
                .longTaskTimer().activeTasks()).isZero();
    }

    /** Counts the starts and stops of each context, and remembers each call's outcome and the stopping thread. */
    static final class Lifecycle implements ObservationHandler<Observation.Context> {

        final Map<Observation.Context, AtomicInteger> starts = new ConcurrentHashMap<>();
        final Map<Observation.Context, AtomicInteger> stops = new ConcurrentHashMap<>();
        final List<Observation.Context> stopped = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<Thread> stoppedOn = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void onStart(Observation.Context context) {
            starts.computeIfAbsent(context, c -> new AtomicInteger()).incrementAndGet();
        }

        @Override
        public void onStop(Observation.Context context) {
            stops.computeIfAbsent(context, c -> new AtomicInteger()).incrementAndGet();
            if (IdempotencyMetrics.OBSERVATION.equals(context.getName())) {
                stopped.add(context);
                stoppedOn.add(Thread.currentThread());
            }
        }

        @Override
        public boolean supportsContext(Observation.Context context) {
            return true;
        }

        List<String> outcomes() {
            return stopped.stream().map(c -> value(c.getLowCardinalityKeyValue("outcome"))).toList();
        }

        List<String> errors() {
            return stopped.stream().map(c -> c.getError() == null ? "none" : c.getError().getClass().getSimpleName())
                    .toList();
        }

        boolean startedOnceAndStoppedOnce() {
            return !starts.isEmpty() && starts.keySet().equals(stops.keySet())
                    && starts.values().stream().allMatch(n -> n.get() == 1)
                    && stops.values().stream().allMatch(n -> n.get() == 1);
        }

        private static String value(KeyValue keyValue) {
            return keyValue == null ? "missing" : keyValue.getValue();
        }
    }
}

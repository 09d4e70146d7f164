package dev.idempotency.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.MissingKeyPolicy;
import dev.idempotency.StoreFailurePolicy;
import dev.idempotency.store.InMemoryIdempotencyStore;
import dev.idempotency.testing.FaultInjectingIdempotencyStore;
import dev.idempotency.testing.FaultInjectingIdempotencyStore.Operation;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;

/**
 * An asynchronous call that runs without protection (no key and {@code MissingKeyPolicy.RUN_UNPROTECTED}, or a
 * failed store and {@code StoreFailurePolicy.RUN_UNPROTECTED}) is still an asynchronous call: the README says
 * {@code idempotency.calls} counts it "when it ends (an asynchronous call when its stage settles)", and the
 * observation "stops when the call ends, on the thread where an asynchronous call's stage settled", with "the error
 * the caller got": not as soon as the body hands its stage back, counted before it ran and stopped with no error
 * though the stage failed.
 */
class UnprotectedAsyncCallTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final ObservationRegistry observations = ObservationRegistry.create();
    private final List<Observation.Context> stopped = new CopyOnWriteArrayList<>();

    UnprotectedAsyncCallTest() {
        observations.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public void onStop(Observation.Context context) {
                if (IdempotencyMetrics.OBSERVATION.equals(context.getName())) {
                    stopped.add(context);
                }
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }
        });
    }

    private IdempotentOperation<String> operation(Idempotency.Builder builder) {
        IdempotencyMetrics metrics = IdempotencyMetrics.builder().meterRegistry(meters)
                .observationRegistry(observations).storeType("memory").build();
        return metrics.bindTo(builder).build().operation("orders.place", String.class).build();
    }

    private double unprotected() {
        Counter counter = meters.find(IdempotencyMetrics.CALLS).tag("outcome", "unprotected").counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void countsAnUnprotectedAsynchronousCallWithoutAKeyOnlyWhenItsStageSettles() throws Exception {
        IdempotentOperation<String> place = operation(Idempotency.builder().config(IdempotencyConfig.builder()
                .missingKeyPolicy(MissingKeyPolicy.RUN_UNPROTECTED).build()));
        CompletableFuture<String> stage = new CompletableFuture<>();

        CompletableFuture<String> result = place.executeAsync(null, null, () -> stage);

        assertThat(result.isDone()).isFalse();
        assertThat(unprotected()).as("not counted while its stage still runs").isZero();
        assertThat(stopped).as("the observation is not stopped while its stage still runs").isEmpty();

        stage.complete("receipt");

        assertThat(result.get(5, TimeUnit.SECONDS)).isEqualTo("receipt");
        assertThat(unprotected()).isEqualTo(1);
        assertThat(stopped).hasSize(1);
    }

    @Test
    void givesTheObservationOfAFailedUnprotectedAsynchronousCallItsError() {
        IdempotentOperation<String> place = operation(Idempotency.builder().config(IdempotencyConfig.builder()
                .missingKeyPolicy(MissingKeyPolicy.RUN_UNPROTECTED).build()));
        CompletableFuture<String> stage = new CompletableFuture<>();

        CompletableFuture<String> result = place.executeAsync(null, null, () -> stage);
        stage.completeExceptionally(new IllegalStateException("gateway timeout"));

        assertThat(result).failsWithin(5, TimeUnit.SECONDS).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(IllegalStateException.class);
        assertThat(stopped).hasSize(1);
        assertThat(stopped.get(0).getError()).as("the error the caller got is the observation's error")
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void countsAnAsynchronousCallRunUnprotectedAfterAStoreFailureOnlyWhenItsStageSettles() throws Exception {
        FaultInjectingIdempotencyStore failing = FaultInjectingIdempotencyStore
                .builder(InMemoryIdempotencyStore.create()).failing(Operation.CLAIM).probability(1.0).build();
        IdempotentOperation<String> place = operation(Idempotency.builder().store(failing).config(IdempotencyConfig
                .builder().storeFailurePolicy(StoreFailurePolicy.RUN_UNPROTECTED).build()));
        CompletableFuture<String> stage = new CompletableFuture<>();

        CompletableFuture<String> result = place.executeAsync("order-1", null, () -> stage);

        assertThat(unprotected()).as("not counted while its stage still runs").isZero();
        assertThat(stopped).isEmpty();

        stage.complete("receipt");

        assertThat(result.get(5, TimeUnit.SECONDS)).isEqualTo("receipt");
        assertThat(unprotected()).isEqualTo(1);
        assertThat(stopped).hasSize(1);
    }
}

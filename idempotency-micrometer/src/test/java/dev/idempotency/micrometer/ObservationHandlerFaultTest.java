package dev.idempotency.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotentOperation;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;

/**
 * A faulty observation handler (a tracer's bridge that throws, say) must not cost the application its call counts,
 * nor leave an observation running forever: when starting the observation throws, the call is still counted; and
 * when the scope fails to open after the observation started, the started observation is stopped (else Boot's meter
 * handler would show {@code idempotency.call.active} growing by one per call, forever) and not left current.
 */
class ObservationHandlerFaultTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final ObservationRegistry observations = ObservationRegistry.create();

    private IdempotentOperation<String> place() {
        IdempotencyMetrics metrics = IdempotencyMetrics.builder().meterRegistry(meters)
                .observationRegistry(observations).storeType("memory").build();
        return metrics.bindTo(Idempotency.builder()).build().operation("orders.place", String.class).build();
    }

    private double executed() {
        Counter counter = meters.find(IdempotencyMetrics.CALLS).tag("outcome", "executed").counter();
        return counter == null ? 0 : counter.count();
    }

    private long active() {
        LongTaskTimer active = meters.find(IdempotencyMetrics.OBSERVATION + ".active").longTaskTimer();
        return active == null ? 0 : active.activeTasks();
    }

    @Test
    void countsTheCallWhenAnObservationHandlerThrowsAtItsStart() {
        observations.observationConfig().observationHandler(new Throwing(true, false));
        IdempotentOperation<String> place = place();

        assertThat(place.execute("order-" + UUID.randomUUID(), () -> "receipt")).isEqualTo("receipt");

        assertThat(executed()).as("the call is counted, whatever a tracing handler does").isEqualTo(1);
    }

    @Test
    void stopsAStartedObservationWhenAHandlerThrowsAsItsScopeOpens() {
        observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
        observations.observationConfig().observationHandler(new Throwing(false, true));
        IdempotentOperation<String> place = place();

        for (int i = 0; i < 3; i++) {
            assertThat(place.execute("order-" + UUID.randomUUID(), () -> "receipt")).isEqualTo("receipt");
        }

        assertThat(active()).as("no observation of a finished call is still active").isZero();
        assertThat(observations.getCurrentObservation()).as("no call's observation is left current on the thread")
                .isNull();
        assertThat(executed()).isEqualTo(3);
    }

    /** Supports every context and throws where it is told to, as a buggy bridge would. */
    private static final class Throwing implements ObservationHandler<Observation.Context> {

        private final boolean onStart;
        private final boolean onScopeOpened;

        Throwing(boolean onStart, boolean onScopeOpened) {
            this.onStart = onStart;
            this.onScopeOpened = onScopeOpened;
        }

        @Override
        public void onStart(Observation.Context context) {
            if (onStart) {
                throw new IllegalStateException("tracer bridge failed at start");
            }
        }

        @Override
        public void onScopeOpened(Observation.Context context) {
            if (onScopeOpened) {
                throw new IllegalStateException("tracer bridge failed to open a scope");
            }
        }

        @Override
        public boolean supportsContext(Observation.Context context) {
            return true;
        }
    }
}

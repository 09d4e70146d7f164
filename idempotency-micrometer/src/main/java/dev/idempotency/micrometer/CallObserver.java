package dev.idempotency.micrometer;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.jspecify.annotations.Nullable;

import dev.idempotency.CallOutcome;
import dev.idempotency.IdempotencyObserver;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

/**
 * Counts each call by its one outcome ({@value IdempotencyMetrics#CALLS}) and, with an observation registry, makes
 * an {@value IdempotencyMetrics#OBSERVATION} observation of it: started with the call, in scope on the caller's
 * thread until it leaves (so that the body's own observations are its children), stopped when the call ends,
 * possibly on another thread, with the outcome and the caller's error.
 */
final class CallObserver implements IdempotencyObserver {

    static final String NAMESPACE = "namespace";
    static final String OUTCOME = "outcome";

    private static final CallOutcome[] OUTCOMES = CallOutcome.values();
    private static final String[] OUTCOME_VALUES = new String[OUTCOMES.length];

    static {
        for (CallOutcome outcome : OUTCOMES) {
            OUTCOME_VALUES[outcome.ordinal()] = Tags.lowerCase(outcome);
        }
    }

    private final @Nullable MeterRegistry meters;
    private final @Nullable ObservationRegistry observations;
    private final ConcurrentMap<String, Calls> calls = new ConcurrentHashMap<>();

    CallObserver(@Nullable MeterRegistry meters, @Nullable ObservationRegistry observations) {
        this.meters = meters;
        this.observations = observations;
    }

    @Override
    public ObservedCall start(String namespace) {
        Calls counted = calls.computeIfAbsent(namespace, Calls::new);
        ObservationRegistry registry = observations;
        if (registry == null || registry.isNoop()) {
            return counted;
        }
        Observation observation = Observation.createNotStarted(IdempotencyMetrics.OBSERVATION, registry)
                .contextualName("idempotency " + namespace)
                .lowCardinalityKeyValue(NAMESPACE, namespace)
                .start();
        return new ObservedCallOf(counted, observation, observation.openScope());
    }

    /** The call counters of one namespace, each registered at its outcome's first call; itself a call's counting. */
    private final class Calls implements ObservedCall {

        private final String namespace;
        private final AtomicReferenceArray<Counter> byOutcome = new AtomicReferenceArray<>(OUTCOMES.length);

        Calls(String namespace) {
            this.namespace = namespace;
        }

        @Override
        public void end(CallOutcome outcome, @Nullable Throwable failure) {
            MeterRegistry registry = meters;
            if (registry == null) {
                return;
            }
            Counter counter = byOutcome.get(outcome.ordinal());
            if (counter == null) {
                // Registering twice in a race is harmless: the registry hands back the same counter.
                counter = Counter.builder(IdempotencyMetrics.CALLS)
                        .description("Idempotent calls by how they ended")
                        .tag(NAMESPACE, namespace)
                        .tag(OUTCOME, OUTCOME_VALUES[outcome.ordinal()])
                        .register(registry);
                byOutcome.set(outcome.ordinal(), counter);
            }
            counter.increment();
        }
    }

    /** One call under observation. */
    private static final class ObservedCallOf implements ObservedCall {

        private final Calls counted;
        private final Observation observation;
        private final Observation.Scope scope;

        ObservedCallOf(Calls counted, Observation observation, Observation.Scope scope) {
            this.counted = counted;
            this.observation = observation;
            this.scope = scope;
        }

        @Override
        public void leave() {
            scope.close();
        }

        @Override
        public void end(CallOutcome outcome, @Nullable Throwable failure) {
            counted.end(outcome, failure);
            observation.lowCardinalityKeyValue(OUTCOME, OUTCOME_VALUES[outcome.ordinal()]);
            if (failure != null) {
                observation.error(failure);
            }
            observation.stop();
        }
    }
}

package dev.idempotency.micrometer;

import java.util.concurrent.atomic.AtomicReferenceArray;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * possibly on another thread, with the outcome and the caller's error. A faulty observation handler (a tracer's
 * bridge that throws) costs the call its observation, never its count, and never leaves an observation running or
 * current on the thread.
 */
final class CallObserver implements IdempotencyObserver {

    private static final Logger log = LoggerFactory.getLogger(CallObserver.class);

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
    private final PerNamespace<Calls> calls = new PerNamespace<>(Calls::new);

    CallObserver(@Nullable MeterRegistry meters, @Nullable ObservationRegistry observations) {
        this.meters = meters;
        this.observations = observations;
    }

    @Override
    public ObservedCall start(String namespace) {
        Calls counted = calls.get(namespace);
        ObservationRegistry registry = observations;
        if (registry == null || registry.isNoop()) {
            return counted;
        }
        Observation observation = Observation.createNotStarted(IdempotencyMetrics.OBSERVATION, registry)
                .contextualName("idempotency " + namespace)
                .lowCardinalityKeyValue(NAMESPACE, namespace);
        try {
            observation.start();
        } catch (RuntimeException e) {
            log.warn("An observation handler threw as the observation of a call of {} started: the call is counted"
                    + " but not observed", namespace, e);
            return counted;
        }
        try {
            return new ObservedCallOf(counted, observation, observation.openScope());
        } catch (RuntimeException e) {
            // The scope was made current before the handler threw: close it, or it stays current on this thread.
            Observation.Scope opened = registry.getCurrentObservationScope();
            if (opened != null && opened.getCurrentObservation() == observation) {
                closeQuietly(opened);
            }
            stopQuietly(observation);
            log.warn("An observation handler threw as the scope of a call of {} opened: the call is counted but not"
                    + " observed", namespace, e);
            return counted;
        }
    }

    private static void closeQuietly(Observation.Scope scope) {
        try {
            scope.close();
        } catch (RuntimeException e) {
            log.debug("An observation handler threw as a scope closed", e);
        }
    }

    private static void stopQuietly(Observation observation) {
        try {
            observation.stop();
        } catch (RuntimeException e) {
            log.debug("An observation handler threw as an observation stopped", e);
        }
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
            try {
                counted.end(outcome, failure);
            } finally {
                observation.lowCardinalityKeyValue(OUTCOME, OUTCOME_VALUES[outcome.ordinal()]);
                if (failure != null) {
                    observation.error(failure);
                }
                observation.stop();
            }
        }
    }
}

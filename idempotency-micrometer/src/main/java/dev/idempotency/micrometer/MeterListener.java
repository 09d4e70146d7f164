package dev.idempotency.micrometer;

import java.time.Duration;

import dev.idempotency.IdempotencyEvent;
import dev.idempotency.IdempotencyListener;
import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.StoreOperation;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Counts the events that do not change a call's outcome ({@value IdempotencyMetrics#EVENTS}) and times every store
 * request ({@value IdempotencyMetrics#STORE_REQUESTS}). Only the event's namespace is read, never its record id.
 */
final class MeterListener implements IdempotencyListener {

    static final String LEASE_LOST = "lease_lost";
    static final String RESULT_NOT_KEPT = "result_not_kept";
    static final String STORE_FAILURE = "store_failure";

    /** By operation, then success (0) or failure (1): registered up front, eight in all. */
    private final Timer[][] storeRequests;
    private final PerNamespace<Events> events;

    MeterListener(MeterRegistry registry, String storeType) {
        this.events = new PerNamespace<>(namespace -> new Events(registry, namespace));
        StoreOperation[] operations = StoreOperation.values();
        storeRequests = new Timer[operations.length][2];
        for (StoreOperation operation : operations) {
            for (int failed = 0; failed < 2; failed++) {
                storeRequests[operation.ordinal()][failed] = Timer.builder(IdempotencyMetrics.STORE_REQUESTS)
                        .description("Requests the idempotency engine sent to its store, retries included")
                        .tag("store", storeType)
                        .tag("operation", Tags.lowerCase(operation))
                        .tag("result", failed == 0 ? "success" : "failure")
                        .register(registry);
            }
        }
    }

    @Override
    public void onStoreRequest(String namespace, StoreOperation operation, Duration duration, boolean failed) {
        storeRequests[operation.ordinal()][failed ? 1 : 0].record(duration);
    }

    @Override
    public void onLeaseLost(IdempotencyEvent event) {
        events(event).leaseLost.increment();
    }

    @Override
    public void onResultNotKept(IdempotencyEvent event, Throwable reason) {
        events(event).resultNotKept.increment();
    }

    @Override
    public void onStoreFailure(IdempotencyEvent event, IdempotencyStoreException failure) {
        events(event).storeFailure.increment();
    }

    private Events events(IdempotencyEvent event) {
        return events.get(event.namespace());
    }

    /** The event counters of one namespace, registered at its first event. */
    private static final class Events {

        final Counter leaseLost;
        final Counter resultNotKept;
        final Counter storeFailure;

        Events(MeterRegistry registry, String namespace) {
            leaseLost = counter(registry, namespace, LEASE_LOST);
            resultNotKept = counter(registry, namespace, RESULT_NOT_KEPT);
            storeFailure = counter(registry, namespace, STORE_FAILURE);
        }

        private static Counter counter(MeterRegistry registry, String namespace, String event) {
            return Counter.builder(IdempotencyMetrics.EVENTS)
                    .description("Idempotent calls that lost their lease, could not keep their result, or saw the"
                            + " store fail")
                    .tag("namespace", namespace)
                    .tag("event", event)
                    .register(registry);
        }
    }
}

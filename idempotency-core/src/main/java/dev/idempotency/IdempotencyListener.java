package dev.idempotency;

import java.time.Duration;
import java.util.List;

/**
 * Told about the outcome of each call, for metrics and logs. Every method has a no-op default; override what you
 * need. Listeners run on the caller's thread and must not throw (what they throw is logged and ignored).
 */
public interface IdempotencyListener {

    /** A listener that does nothing. */
    IdempotencyListener NO_OP = new IdempotencyListener() {
    };

    /** The call claimed the key, ran the body, and the body returned. */
    default void onExecuted(IdempotencyEvent event) {
    }

    /** The call replayed a completed call's outcome without running the body. */
    default void onReplayed(IdempotencyEvent event, ReplaySource source) {
    }

    /** The body threw an exception; the key was released so a retry runs again. */
    default void onReleased(IdempotencyEvent event, Throwable failure) {
    }

    /** The body threw a final exception; it was kept and will be replayed to duplicates. */
    default void onFailureKept(IdempotencyEvent event, Throwable failure) {
    }

    /** The key is held by a running call and this call did not (or could no longer) wait. */
    default void onRejectedInProgress(IdempotencyEvent event, Duration timeLeft) {
    }

    /** The key was used before with a different payload. */
    default void onPayloadMismatch(IdempotencyEvent event) {
    }

    /**
     * The call ran the body, but by the time it finished its lease had been taken over by another call, so its
     * outcome was not recorded (the new owner's record stands). The body may have run twice: raise the lease.
     */
    default void onLeaseLost(IdempotencyEvent event) {
    }

    /**
     * The body returned, but its result could not be kept (not serializable, or too large for the store). The
     * caller got the result; duplicates get {@link IdempotencyReplayException}.
     */
    default void onResultNotKept(IdempotencyEvent event, Throwable reason) {
    }

    /** The store failed during the call. */
    default void onStoreFailure(IdempotencyEvent event, IdempotencyStoreException failure) {
    }

    /**
     * The engine sent one request to the store (each retry is one more), which took {@code duration} and failed
     * when {@code failed}: for timers of the store. Called on the thread that sent it; keep it cheap.
     */
    default void onStoreRequest(String namespace, StoreOperation operation, Duration duration, boolean failed) {
    }

    /** A listener that tells each of {@code listeners} in turn. */
    static IdempotencyListener composite(List<? extends IdempotencyListener> listeners) {
        List<IdempotencyListener> copy = List.copyOf(listeners);
        return new IdempotencyListener() {
            @Override
            public void onExecuted(IdempotencyEvent event) {
                copy.forEach(l -> l.onExecuted(event));
            }

            @Override
            public void onReplayed(IdempotencyEvent event, ReplaySource source) {
                copy.forEach(l -> l.onReplayed(event, source));
            }

            @Override
            public void onReleased(IdempotencyEvent event, Throwable failure) {
                copy.forEach(l -> l.onReleased(event, failure));
            }

            @Override
            public void onFailureKept(IdempotencyEvent event, Throwable failure) {
                copy.forEach(l -> l.onFailureKept(event, failure));
            }

            @Override
            public void onRejectedInProgress(IdempotencyEvent event, Duration timeLeft) {
                copy.forEach(l -> l.onRejectedInProgress(event, timeLeft));
            }

            @Override
            public void onPayloadMismatch(IdempotencyEvent event) {
                copy.forEach(l -> l.onPayloadMismatch(event));
            }

            @Override
            public void onLeaseLost(IdempotencyEvent event) {
                copy.forEach(l -> l.onLeaseLost(event));
            }

            @Override
            public void onResultNotKept(IdempotencyEvent event, Throwable reason) {
                copy.forEach(l -> l.onResultNotKept(event, reason));
            }

            @Override
            public void onStoreFailure(IdempotencyEvent event, IdempotencyStoreException failure) {
                copy.forEach(l -> l.onStoreFailure(event, failure));
            }

            @Override
            public void onStoreRequest(String namespace, StoreOperation operation, Duration duration, boolean failed) {
                copy.forEach(l -> l.onStoreRequest(namespace, operation, duration, failed));
            }
        };
    }
}

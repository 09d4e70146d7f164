package dev.idempotency;

import org.jspecify.annotations.Nullable;

/**
 * Observes each call from its start to its outcome, for tracing and timing: the Micrometer module makes an
 * {@code Observation} of each, so that a trace shows idempotency as a span of its own around the body. Register one
 * with {@link Idempotency.Builder#observer}. Calls are observed on the caller's thread, and must not throw (what
 * they throw is logged and ignored).
 */
@FunctionalInterface
public interface IdempotencyObserver {

    /** An observer that observes nothing. */
    IdempotencyObserver NO_OP = namespace -> ObservedCall.NO_OP;

    /** A call of the operation {@code namespace} starts, on the caller's thread, before its key is read. */
    ObservedCall start(String namespace);

    /** One call being observed. */
    interface ObservedCall {

        /** Observes nothing. */
        ObservedCall NO_OP = (outcome, failure) -> { };

        /**
         * The caller's thread leaves the call: once, on the thread that started it, just before {@link #end} for a
         * synchronous call, and as the stage is handed back for an asynchronous one (which ends later).
         */
        default void leave() {
        }

        /**
         * The call ended with {@code outcome}: exactly once, after {@link #leave()}, on the thread where it ended
         * (for an asynchronous call, where its stage settled). {@code failure} is what the caller got, if anything.
         */
        void end(CallOutcome outcome, @Nullable Throwable failure);
    }
}

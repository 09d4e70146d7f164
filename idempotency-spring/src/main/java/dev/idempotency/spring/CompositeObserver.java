package dev.idempotency.spring;

import java.util.List;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.idempotency.CallOutcome;
import dev.idempotency.IdempotencyObserver;

/**
 * Several {@link IdempotencyObserver} beans as the engine's one observer: each starts its own observation of a call
 * in turn, and each is told that the caller left and how the call ended, the last started first (so that scopes on
 * the caller's thread close in the reverse order they opened). What one observer throws is logged and costs only its
 * own observation, as the engine does for a single observer: the others still close their scopes and see the end.
 */
final class CompositeObserver implements IdempotencyObserver {

    private static final Logger log = LoggerFactory.getLogger(CompositeObserver.class);

    private final List<IdempotencyObserver> observers;

    CompositeObserver(List<IdempotencyObserver> observers) {
        this.observers = List.copyOf(observers);
    }

    @Override
    public ObservedCall start(String namespace) {
        ObservedCall[] calls = new ObservedCall[observers.size()];
        for (int i = 0; i < calls.length; i++) {
            try {
                calls[i] = observers.get(i).start(namespace);
            } catch (RuntimeException e) {
                log.warn("The IdempotencyObserver {} threw as a call of {} started; ignored", observers.get(i),
                        namespace, e);
                calls[i] = ObservedCall.NO_OP;
            }
        }
        return new ObservedCall() {
            @Override
            public void leave() {
                for (int i = calls.length - 1; i >= 0; i--) {
                    try {
                        calls[i].leave();
                    } catch (RuntimeException e) {
                        log.warn("The IdempotencyObserver {} threw as the caller left a call of {}; ignored",
                                observers.get(i), namespace, e);
                    }
                }
            }

            @Override
            public void end(CallOutcome outcome, @Nullable Throwable failure) {
                for (int i = calls.length - 1; i >= 0; i--) {
                    try {
                        calls[i].end(outcome, failure);
                    } catch (RuntimeException e) {
                        log.warn("The IdempotencyObserver {} threw as a call of {} ended; ignored", observers.get(i),
                                namespace, e);
                    }
                }
            }
        };
    }

    @Override
    public String toString() {
        return "CompositeObserver" + observers;
    }
}

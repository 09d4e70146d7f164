package dev.idempotency.spring;

import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.idempotency.CallOutcome;
import dev.idempotency.IdempotencyObserver;

/**
 * Several {@link IdempotencyObserver} beans as the engine's one observer: each starts its own observation of a call
 * in turn, and each is told that the caller left and how the call ended, the last started first (so that scopes on
 * the caller's thread close in the reverse order they opened).
 */
final class CompositeObserver implements IdempotencyObserver {

    private final List<IdempotencyObserver> observers;

    CompositeObserver(List<IdempotencyObserver> observers) {
        this.observers = List.copyOf(observers);
    }

    @Override
    public ObservedCall start(String namespace) {
        ObservedCall[] calls = new ObservedCall[observers.size()];
        for (int i = 0; i < calls.length; i++) {
            calls[i] = observers.get(i).start(namespace);
        }
        return new ObservedCall() {
            @Override
            public void leave() {
                for (int i = calls.length - 1; i >= 0; i--) {
                    calls[i].leave();
                }
            }

            @Override
            public void end(CallOutcome outcome, @Nullable Throwable failure) {
                for (int i = calls.length - 1; i >= 0; i--) {
                    calls[i].end(outcome, failure);
                }
            }
        };
    }

    @Override
    public String toString() {
        return "CompositeObserver" + observers;
    }
}

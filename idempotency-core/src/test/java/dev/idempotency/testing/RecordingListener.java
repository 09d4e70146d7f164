package dev.idempotency.testing;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.idempotency.IdempotencyEvent;
import dev.idempotency.IdempotencyListener;
import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.ReplaySource;

/** A listener that records each outcome as a short line ("executed", "replayed LOCAL_CACHE", ...). */
public final class RecordingListener implements IdempotencyListener {

    private final List<String> events = new CopyOnWriteArrayList<>();

    public List<String> events() {
        return List.copyOf(events);
    }

    public long count(String event) {
        return events.stream().filter(event::equals).count();
    }

    @Override
    public void onExecuted(IdempotencyEvent event) {
        events.add("executed");
    }

    @Override
    public void onReplayed(IdempotencyEvent event, ReplaySource source) {
        events.add("replayed " + source);
    }

    @Override
    public void onReleased(IdempotencyEvent event, Throwable failure) {
        events.add("released");
    }

    @Override
    public void onFailureKept(IdempotencyEvent event, Throwable failure) {
        events.add("failure kept");
    }

    @Override
    public void onRejectedInProgress(IdempotencyEvent event, Duration timeLeft) {
        events.add("rejected in progress");
    }

    @Override
    public void onPayloadMismatch(IdempotencyEvent event) {
        events.add("payload mismatch");
    }

    @Override
    public void onLeaseLost(IdempotencyEvent event) {
        events.add("lease lost");
    }

    @Override
    public void onResultNotKept(IdempotencyEvent event, Throwable reason) {
        events.add("result not kept");
    }

    @Override
    public void onStoreFailure(IdempotencyEvent event, IdempotencyStoreException failure) {
        events.add("store failure");
    }
}

package dev.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import dev.idempotency.store.IdempotencyStore;
import dev.idempotency.store.InMemoryIdempotencyStore;
import dev.idempotency.testing.FaultInjectingIdempotencyStore;
import dev.idempotency.testing.FaultInjectingIdempotencyStore.Operation;

/** An observer sees every call start, leave its caller's thread and end, once each, with the call's one outcome. */
class ObserverTest {

    public static class DeclinedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public DeclinedException(String message) {
            super(message);
        }
    }

    /** Records "start ns", "leave", "end OUTCOME failure-type" in order, with the thread that ended the call. */
    static final class RecordingObserver implements IdempotencyObserver {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public ObservedCall start(String namespace) {
            events.add("start " + namespace);
            return new ObservedCall() {
                @Override
                public void leave() {
                    events.add("leave");
                }

                @Override
                public void end(CallOutcome outcome, Throwable failure) {
                    events.add("end " + outcome + (failure == null ? "" : " " + failure.getClass().getSimpleName()));
                }
            };
        }
    }

    private final RecordingObserver observer = new RecordingObserver();
    private final InMemoryIdempotencyStore memory = InMemoryIdempotencyStore.create();

    private IdempotentOperation<String> operation(IdempotencyConfig config, IdempotencyStore store) {
        return Idempotency.builder().store(store).config(config).observer(observer).build()
                .operation("orders.place", String.class).finalExceptions(DeclinedException.class).build();
    }

    private IdempotentOperation<String> operation() {
        return operation(IdempotencyConfig.defaults(), memory);
    }

    @Test
    void seesEachOutcomeOfASynchronousCallOnce() {
        IdempotentOperation<String> place = operation();
        IdempotentOperation<String> uncached = operation(IdempotencyConfig.builder().localCacheEnabled(false).build(),
                memory);

        place.execute("k-1", "p", () -> "receipt");
        place.execute("k-1", "p", () -> "again");
        uncached.execute("k-1", "p", () -> "again");
        assertThatThrownBy(() -> place.execute("k-1", "other", () -> "x"))
                .isInstanceOf(IdempotencyPayloadMismatchException.class);
        assertThatThrownBy(() -> place.execute("k-2", () -> {
            throw new IllegalStateException("timeout");
        })).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> place.execute("k-3", () -> {
            throw new DeclinedException("declined");
        })).isInstanceOf(DeclinedException.class);
        assertThatThrownBy(() -> place.execute("k-3", () -> "x")).isInstanceOf(DeclinedException.class);
        assertThatThrownBy(() -> place.execute(null, () -> "x")).isInstanceOf(IdempotencyKeyException.class);

        assertThat(observer.events).containsExactly(
                "start orders.place", "leave", "end EXECUTED",
                "start orders.place", "leave", "end REPLAYED_FROM_CACHE",
                "start orders.place", "leave", "end REPLAYED_FROM_STORE",
                "start orders.place", "leave", "end PAYLOAD_MISMATCH IdempotencyPayloadMismatchException",
                "start orders.place", "leave", "end FAILED IllegalStateException",
                "start orders.place", "leave", "end FAILURE_KEPT DeclinedException",
                "start orders.place", "leave", "end REPLAYED_FROM_STORE DeclinedException",
                "start orders.place", "leave", "end INVALID_KEY IdempotencyKeyException");
    }

    @Test
    void seesACallRefusedWhileAnotherRunsAndOneTheStoreFailed() {
        IdempotentOperation<String> place = operation();
        place.execute("k-1", () -> {
            assertThatThrownBy(() -> place.execute("k-1", () -> "x"))
                    .isInstanceOf(IdempotencyInProgressException.class);
            return "receipt";
        });
        FaultInjectingIdempotencyStore failing = FaultInjectingIdempotencyStore.builder(memory)
                .failing(Operation.CLAIM).probability(1.0).build();
        assertThatThrownBy(() -> operation(IdempotencyConfig.defaults(), failing).execute("k-9", () -> "x"))
                .isInstanceOf(IdempotencyStoreException.class);
        operation(IdempotencyConfig.builder().storeFailurePolicy(StoreFailurePolicy.RUN_UNPROTECTED).build(), failing)
                .execute("k-9", () -> "unprotected");

        assertThat(observer.events).containsExactly(
                "start orders.place",
                "start orders.place", "leave", "end IN_PROGRESS IdempotencyInProgressException",
                "leave", "end EXECUTED",
                "start orders.place", "leave", "end STORE_FAILURE IdempotencyStoreException",
                "start orders.place", "leave", "end UNPROTECTED");
    }

    @Test
    void leavesAnAsynchronousCallWhenItsStageIsHandedBackAndEndsItWhenTheStageSettles() {
        IdempotentOperation<String> place = operation();
        CompletableFuture<String> stage = new CompletableFuture<>();

        CompletableFuture<String> result = place.executeAsync("k-1", null, () -> stage);
        assertThat(observer.events).containsExactly("start orders.place", "leave");
        stage.complete("receipt");

        assertThat(result).isCompletedWithValue("receipt");
        assertThat(observer.events).containsExactly("start orders.place", "leave", "end EXECUTED");
        assertThat(place.executeAsync("k-1", null, () -> CompletableFuture.completedFuture("x"))).isDone();
        assertThat(observer.events).endsWith("start orders.place", "leave", "end REPLAYED_FROM_CACHE");
    }

    @Test
    void ignoresAnObserverThatThrows() {
        IdempotentOperation<String> place = Idempotency.builder().observer(namespace -> {
            throw new IllegalStateException("observer bug");
        }).build().operation("orders.place", String.class).build();

        assertThat(place.execute("k-1", () -> "receipt")).isEqualTo("receipt");
        assertThat(place.execute("k-1", () -> "again")).isEqualTo("receipt");
    }

    @Test
    void tellsListenersOfEveryStoreRequestWithItsOperationAndWhetherItFailed() {
        List<String> requests = new CopyOnWriteArrayList<>();
        IdempotencyListener timers = new IdempotencyListener() {
            @Override
            public void onStoreRequest(String namespace, StoreOperation operation, Duration duration,
                    boolean failed) {
                assertThat(duration.isNegative()).isFalse();
                requests.add(namespace + " " + operation + (failed ? " failed" : ""));
            }
        };
        FaultInjectingIdempotencyStore store = FaultInjectingIdempotencyStore.builder(memory)
                .failing(Operation.COMPLETE).everyNth(1).maxFaults(1).build();
        IdempotentOperation<String> place = Idempotency.builder().store(store).listener(timers)
                .config(IdempotencyConfig.builder().localCacheEnabled(false).build()).build()
                .operation("orders.place", String.class).build();

        place.execute("k-1", () -> "receipt");
        place.execute("k-1", () -> "again");
        assertThatThrownBy(() -> place.execute("k-2", () -> {
            throw new IllegalStateException("timeout");
        })).isInstanceOf(IllegalStateException.class);

        assertThat(requests).containsExactly("orders.place CLAIM", "orders.place COMPLETE failed",
                "orders.place COMPLETE", "orders.place CLAIM", "orders.place CLAIM", "orders.place RELEASE");
    }
}

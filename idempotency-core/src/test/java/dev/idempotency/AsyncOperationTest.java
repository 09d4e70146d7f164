package dev.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.idempotency.store.InMemoryIdempotencyStore;
import dev.idempotency.store.RecordStatus;

/** Asynchronous operations: claimed at call time, settled with the future, replayed as a settled future. */
class AsyncOperationTest {

    record Shipment(String id) {
    }

    private final InMemoryIdempotencyStore store = InMemoryIdempotencyStore.create();
    private final AtomicInteger runs = new AtomicInteger();
    private final IdempotentOperation<Shipment> ship = Idempotency.builder()
            .store(store)
            .config(IdempotencyConfig.builder().localCacheEnabled(false).build())
            .build()
            .operation("ship", Shipment.class)
            .build();

    @Test
    void claimsAtCallTimeAndCompletesWhenTheFutureSettles() throws Exception {
        CompletableFuture<Shipment> pending = new CompletableFuture<>();

        CompletableFuture<Shipment> first = ship.executeAsync("k", null, () -> {
            runs.incrementAndGet();
            return pending;
        });
        assertThat(store.find(ship.namespace() + "#" + IdempotentOperationTest.sha256("k")).orElseThrow().status())
                .isEqualTo(RecordStatus.IN_PROGRESS);
        assertThat(ship.executeAsync("k", null, () -> CompletableFuture.completedFuture(new Shipment("dup"))))
                .failsWithin(1, TimeUnit.SECONDS).withThrowableThat()
                .withCauseInstanceOf(IdempotencyInProgressException.class);

        pending.complete(new Shipment("s-1"));

        assertThat(first.get(1, TimeUnit.SECONDS)).isEqualTo(new Shipment("s-1"));
        CompletableFuture<Shipment> replay = ship.executeAsync("k", null, () -> {
            runs.incrementAndGet();
            return CompletableFuture.completedFuture(new Shipment("again"));
        });
        assertThat(replay).isCompletedWithValue(new Shipment("s-1"));
        assertThat(runs).hasValue(1);
    }

    @Test
    void releasesTheKeyWhenTheFutureFailsSoARetryRunsAgain() throws Exception {
        IllegalStateException boom = new IllegalStateException("carrier down");

        CompletableFuture<Shipment> failed = ship.executeAsync("k", null, () -> {
            runs.incrementAndGet();
            return CompletableFuture.failedFuture(boom);
        });
        assertThatThrownBy(failed::join).isInstanceOf(CompletionException.class).hasCause(boom);

        assertThat(ship.executeAsync("k", null, () -> {
            runs.incrementAndGet();
            return CompletableFuture.completedFuture(new Shipment("s-2"));
        }).get(1, TimeUnit.SECONDS)).isEqualTo(new Shipment("s-2"));
        assertThat(runs).hasValue(2);
    }

    @Test
    void unwrapsAFailureThatArrivesWrappedAndReleasesTheKey() throws Exception {
        IllegalStateException boom = new IllegalStateException("carrier down");
        CompletableFuture<Shipment> pending = new CompletableFuture<>();

        CompletableFuture<Shipment> failed = ship.executeAsync("k", null, () -> {
            runs.incrementAndGet();
            return pending.thenApply(shipment -> shipment);
        });
        pending.completeExceptionally(boom);

        assertThatThrownBy(failed::join).isInstanceOf(CompletionException.class).cause().isSameAs(boom);
        assertThat(store.find(ship.namespace() + "#" + IdempotentOperationTest.sha256("k"))).isEmpty();
        assertThat(ship.executeAsync("k", null, () -> CompletableFuture.completedFuture(new Shipment("s-2")))
                .get(1, TimeUnit.SECONDS)).isEqualTo(new Shipment("s-2"));
    }

    @Test
    void refusesANullStageAndReleasesTheKey() throws Exception {
        assertThatThrownBy(() -> ship.executeAsync("k", null, () -> null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("operation 'ship' returned a null CompletionStage; an asynchronous operation must return"
                        + " a stage");

        assertThat(ship.executeAsync("k", null, () -> CompletableFuture.completedFuture(new Shipment("s-1")))
                .get(1, TimeUnit.SECONDS)).isEqualTo(new Shipment("s-1"));
    }

    @Test
    void releasesTheKeyWhenTheBodyThrowsBeforeReturningAFuture() {
        IllegalArgumentException boom = new IllegalArgumentException("bad address");

        assertThatThrownBy(() -> ship.executeAsync("k", null, () -> {
            throw boom;
        })).isSameAs(boom);

        assertThat(store.size()).isZero();
    }

    @Test
    void reportsAMissingKeyAsAFailedFuture() {
        assertThat(ship.executeAsync(null, null, () -> CompletableFuture.completedFuture(new Shipment("x"))))
                .isCompletedExceptionally()
                .failsWithin(1, TimeUnit.SECONDS).withThrowableThat()
                .withCauseInstanceOf(IdempotencyKeyException.class);
    }

    /** A checked final answer, as a payment gateway's client might declare it. */
    public static class LabelRejectedException extends Exception {
        private static final long serialVersionUID = 1L;

        public LabelRejectedException(String message) {
            super(message);
        }
    }

    @Test
    void replaysAKeptCheckedFailureAsAFailedFuture() {
        IdempotentOperation<Shipment> shipOrFail = Idempotency.builder().store(store)
                .config(IdempotencyConfig.builder().localCacheEnabled(false).build()).build()
                .operation("ship.labels", Shipment.class).finalExceptions(LabelRejectedException.class).build();

        CompletableFuture<Shipment> first = shipOrFail.executeAsync("k", null,
                () -> CompletableFuture.failedFuture(new LabelRejectedException("address unknown")));
        CompletableFuture<Shipment> duplicate = shipOrFail.executeAsync("k", null, () -> {
            runs.incrementAndGet();
            return CompletableFuture.completedFuture(new Shipment("x"));
        });

        assertThatThrownBy(first::join).hasCauseInstanceOf(LabelRejectedException.class);
        assertThatThrownBy(duplicate::join).isInstanceOf(CompletionException.class)
                .cause().isExactlyInstanceOf(LabelRejectedException.class).hasMessage("address unknown");
        assertThat(runs).hasValue(0);
    }
}

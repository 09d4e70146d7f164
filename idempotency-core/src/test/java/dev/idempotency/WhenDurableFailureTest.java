package dev.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.idempotency.store.ClaimResult;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.IdempotencyStore;
import dev.idempotency.store.InMemoryIdempotencyStore;

/**
 * A store whose {@code whenDurable} fails, as a store that registers a Spring transaction synchronization does when
 * the completion happens on a thread without one ({@code IllegalStateException: Transaction synchronization is not
 * active}), e.g. the pool thread that completes an asynchronous body's stage. The record was completed and the body
 * ran: the caller must get its result, as when a completion itself fails. Instead the sync caller gets the raw store
 * exception, and the async caller's future never completes.
 */
class WhenDurableFailureTest {

    private final InMemoryIdempotencyStore memory = InMemoryIdempotencyStore.create();
    private final IdempotentOperation<String> operation = Idempotency.builder().store(new NoSynchronization(memory))
            .build().operation("orders.place", String.class).build();
    private final AtomicInteger runs = new AtomicInteger();

    @Test
    void handsTheSynchronousCallerItsResult() {
        String receipt = null;
        Throwable thrown = null;
        try {
            receipt = operation.execute("k-1", () -> "receipt-" + runs.incrementAndGet());
        } catch (RuntimeException e) {
            thrown = e;
        }

        // Fails: thrown is the raw IllegalStateException of the store, after the body ran and the record completed.
        assertThat(thrown).isNull();
        assertThat(receipt).isEqualTo("receipt-1");
    }

    @Test
    void completesTheAsynchronousCallersFuture() throws Exception {
        CompletableFuture<String> stage = new CompletableFuture<>();
        CompletableFuture<String> result = operation.executeAsync("k-1", null, () -> stage);

        CompletableFuture.runAsync(() -> stage.complete("receipt-" + runs.incrementAndGet())).get(5, TimeUnit.SECONDS);

        // Fails: the settle step threw inside the stage's callback, so the returned future is never completed.
        assertThat(result).succeedsWithin(5, TimeUnit.SECONDS).isEqualTo("receipt-1");
    }

    /** Delegates everything; {@code whenDurable} throws as a synchronization registered outside a transaction does. */
    static final class NoSynchronization implements IdempotencyStore {

        private final IdempotencyStore delegate;

        NoSynchronization(IdempotencyStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public ClaimResult claim(IdempotencyRecord record, Instant now) {
            return delegate.claim(record, now);
        }

        @Override
        public boolean complete(IdempotencyRecord finished) {
            return delegate.complete(finished);
        }

        @Override
        public void whenDurable(IdempotencyRecord finished, Runnable action) {
            throw new IllegalStateException("Transaction synchronization is not active");
        }

        @Override
        public boolean release(String id, String claimToken) {
            return delegate.release(id, claimToken);
        }

        @Override
        public Optional<IdempotencyRecord> find(String id) {
            return delegate.find(id);
        }
    }
}

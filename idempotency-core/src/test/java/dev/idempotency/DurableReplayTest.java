package dev.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.idempotency.DurableCompletionTest.TransactionalStore;
import dev.idempotency.testing.RecordingListener;

/**
 * {@code IdempotencyStore.whenDurable}: "the engine caches the record in this JVM in {@code action}, so that a local
 * replay never answers for a completion that could still roll back". The completing call honours it, but a duplicate
 * that replays the not yet durable record from the store caches it at once. After a rollback the record and the work
 * are gone, yet the local cache keeps replaying the undone result, and the body never runs again.
 */
class DurableReplayTest {

    private final TransactionalStore store = new TransactionalStore();
    private final RecordingListener listener = new RecordingListener();
    private final IdempotentOperation<String> operation = Idempotency.builder().store(store).listener(listener)
            .build().operation("orders.place", String.class).build();
    private final AtomicInteger runs = new AtomicInteger();

    @Test
    void neverCachesAReplayOfACompletionThatIsNotYetDurable() {
        // One transaction handles a batch that holds the same message twice: the second is a duplicate.
        operation.execute("k-1", () -> "receipt-" + runs.incrementAndGet());
        assertThat(operation.execute("k-1", () -> "receipt-" + runs.incrementAndGet())).isEqualTo("receipt-1");
        // A later message of the batch fails: the transaction, and with it the completed record, is rolled back.
        store.rollBack();

        // The batch is redelivered: the work was undone, so it must run again.
        // Fails: "receipt-1", replayed from the local cache for a completion that never became durable.
        assertThat(operation.execute("k-1", () -> "receipt-" + runs.incrementAndGet())).isEqualTo("receipt-2");
        assertThat(runs).hasValue(2);
        assertThat(listener.events()).containsExactly("executed", "replayed STORE", "executed");
    }
}

package dev.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.idempotency.store.ClaimResult;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.IdempotencyStore;
import dev.idempotency.store.InMemoryIdempotencyStore;
import dev.idempotency.testing.RecordingListener;

/**
 * A store that completes inside the caller's transaction says when a completion is durable: until then, and never
 * if it is undone, the local cache does not answer for it.
 */
class DurableCompletionTest {

    private final TransactionalStore store = new TransactionalStore();
    private final RecordingListener listener = new RecordingListener();
    private final Idempotency idempotency = Idempotency.builder().store(store).listener(listener).build();
    private final IdempotentOperation<String> operation =
            idempotency.operation("orders.place", String.class).build();
    private final AtomicInteger runs = new AtomicInteger();

    @Test
    void cachesACompletionOnlyOnceTheStoreSaysItIsDurable() {
        operation.execute("k-1", () -> "receipt-" + runs.incrementAndGet());

        assertThat(operation.execute("k-1", () -> "receipt-" + runs.incrementAndGet())).isEqualTo("receipt-1");
        store.commit();
        assertThat(operation.execute("k-1", () -> "receipt-" + runs.incrementAndGet())).isEqualTo("receipt-1");

        assertThat(runs).hasValue(1);
        assertThat(listener.events()).containsExactly("executed", "replayed STORE", "replayed LOCAL_CACHE");
    }

    @Test
    void neverCachesACompletionThatWasUndone() {
        operation.execute("k-1", () -> "receipt-" + runs.incrementAndGet());
        store.rollBack();

        assertThat(operation.execute("k-1", () -> "receipt-" + runs.incrementAndGet())).isEqualTo("receipt-2");
        assertThat(runs).hasValue(2);
        assertThat(listener.events()).containsExactly("executed", "executed");
    }

    /** Completions wait for a commit; a rollback removes the record, as a rolled-back transaction would. */
    static final class TransactionalStore implements IdempotencyStore {

        private final InMemoryIdempotencyStore records = InMemoryIdempotencyStore.create();
        private final List<Runnable> afterCommit = new ArrayList<>();
        private final List<IdempotencyRecord> pending = new ArrayList<>();

        void commit() {
            afterCommit.forEach(Runnable::run);
            afterCommit.clear();
            pending.clear();
        }

        void rollBack() {
            pending.forEach(done -> records.find(done.id()).ifPresent(r -> {
                IdempotencyRecord claim = IdempotencyRecord.inProgress(r.id(), r.fingerprint(), "rolled-back",
                        Instant.EPOCH.plusSeconds(1), Instant.EPOCH.plusSeconds(1));
                records.claim(claim, Instant.now().plusSeconds(365L * 24 * 3600));
                records.release(r.id(), "rolled-back");
            }));
            afterCommit.clear();
            pending.clear();
        }

        @Override
        public ClaimResult claim(IdempotencyRecord record, Instant now) {
            return records.claim(record, now);
        }

        @Override
        public boolean complete(IdempotencyRecord finished) {
            pending.add(finished);
            return records.complete(finished);
        }

        @Override
        public void whenDurable(IdempotencyRecord finished, Runnable action) {
            afterCommit.add(action);
        }

        @Override
        public boolean release(String id, String claimToken) {
            return records.release(id, claimToken);
        }

        @Override
        public Optional<IdempotencyRecord> find(String id) {
            return records.find(id);
        }
    }
}

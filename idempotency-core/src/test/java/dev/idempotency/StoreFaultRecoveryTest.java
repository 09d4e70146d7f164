package dev.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.idempotency.store.InMemoryIdempotencyStore;
import dev.idempotency.store.RecordStatus;
import dev.idempotency.testing.FaultInjectingIdempotencyStore;
import dev.idempotency.testing.FaultInjectingIdempotencyStore.Operation;
import dev.idempotency.testing.FaultInjectingIdempotencyStore.Timing;
import dev.idempotency.testing.Hashes;
import dev.idempotency.testing.RecordingListener;

/** Transient store failures are retried, and a write that took effect but looked failed is recognised. */
class StoreFaultRecoveryTest {

    private final InMemoryIdempotencyStore memory = InMemoryIdempotencyStore.create();
    private final RecordingListener listener = new RecordingListener();
    private final AtomicInteger runs = new AtomicInteger();

    private IdempotentOperation<String> operation(FaultInjectingIdempotencyStore store) {
        return Idempotency.builder().store(store).listener(listener)
                .config(IdempotencyConfig.builder().localCacheEnabled(false).build())
                .build().operation("faults", String.class).build();
    }

    private String body() {
        return "run " + runs.incrementAndGet();
    }

    @Test
    void recognisesAClaimThatTookEffectButLookedFailedAsItsOwn() {
        FaultInjectingIdempotencyStore store = FaultInjectingIdempotencyStore.builder(memory)
                .failing(Operation.CLAIM).everyNth(2).timing(Timing.AFTER).build();
        IdempotentOperation<String> op = operation(store);
        op.execute("first", this::body);

        assertThat(op.execute("k", this::body)).isEqualTo("run 2");

        assertThat(store.faults(Operation.CLAIM)).isEqualTo(1);
        assertThat(listener.events()).containsExactly("executed", "executed");
    }

    @Test
    void retriesACompletionThatFailedBeforeReachingTheStore() {
        FaultInjectingIdempotencyStore store = FaultInjectingIdempotencyStore.builder(memory)
                .failing(Operation.COMPLETE).everyNth(1).maxFaults(2).build();
        IdempotentOperation<String> op = operation(store);

        assertThat(op.execute("k", this::body)).isEqualTo("run 1");

        assertThat(store.faults(Operation.COMPLETE)).isEqualTo(2);
        assertThat(memory.find("faults#" + Hashes.sha256("k")).orElseThrow().status())
                .isEqualTo(RecordStatus.COMPLETED);
        assertThat(op.execute("k", this::body)).isEqualTo("run 1");
        assertThat(runs).hasValue(1);
    }

    @Test
    void recognisesACompletionThatTookEffectButLookedFailed() {
        FaultInjectingIdempotencyStore store = FaultInjectingIdempotencyStore.builder(memory)
                .failing(Operation.COMPLETE).everyNth(1).timing(Timing.AFTER).build();
        IdempotentOperation<String> op = operation(store);

        assertThat(op.execute("k", this::body)).isEqualTo("run 1");

        assertThat(listener.events()).containsExactly("executed");
        assertThat(op.execute("k", this::body)).isEqualTo("run 1");
        assertThat(runs).hasValue(1);
    }

    @Test
    void recognisesAReleaseThatTookEffectButLookedFailed() {
        FaultInjectingIdempotencyStore store = FaultInjectingIdempotencyStore.builder(memory)
                .failing(Operation.RELEASE).everyNth(1).timing(Timing.AFTER).build();
        IdempotentOperation<String> op = operation(store);

        try {
            op.execute("k", () -> {
                throw new IllegalStateException("boom");
            });
        } catch (IllegalStateException expected) {
            // the body's own exception, unchanged
        }

        assertThat(listener.events()).containsExactly("released");
        assertThat(op.execute("k", this::body)).isEqualTo("run 1");
    }
}

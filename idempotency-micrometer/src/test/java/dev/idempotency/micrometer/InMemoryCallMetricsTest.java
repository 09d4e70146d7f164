package dev.idempotency.micrometer;

import dev.idempotency.store.IdempotencyStore;
import dev.idempotency.store.InMemoryIdempotencyStore;

/** The call metrics on the in-memory store. */
class InMemoryCallMetricsTest extends AbstractCallMetricsTest {

    private final InMemoryIdempotencyStore store = InMemoryIdempotencyStore.create();

    @Override
    IdempotencyStore store() {
        return store;
    }

    @Override
    String storeType() {
        return IdempotencyMetrics.storeType(store);
    }
}

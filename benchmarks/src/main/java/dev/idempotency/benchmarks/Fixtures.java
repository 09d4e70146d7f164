package dev.idempotency.benchmarks;

import java.time.Duration;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.store.InMemoryIdempotencyStore;

/** What every benchmark calls: a small order, its receipt, and the body that makes one from the other. */
final class Fixtures {

    record Order(String id, int quantity, String note) {
    }

    record Receipt(String orderId, long amountCents) {
    }

    static final Order ORDER = new Order("order-0001", 2, "leave at the door");

    /**
     * A short retention, so that first-call benchmarks over millions of unique keys keep a bounded in-memory store
     * (expired records are swept as claims go on).
     */
    static final Duration SHORT_TTL = Duration.ofSeconds(2);

    private Fixtures() {
    }

    static Receipt charge(Order order) {
        return new Receipt(order.id(), order.quantity() * 1_250L);
    }

    static Idempotency inMemory(boolean localCache) {
        return Idempotency.builder()
                .store(InMemoryIdempotencyStore.create())
                .config(IdempotencyConfig.builder()
                        .ttl(SHORT_TTL)
                        .lease(Duration.ofSeconds(1))
                        .localCacheEnabled(localCache)
                        .build())
                .build();
    }
}

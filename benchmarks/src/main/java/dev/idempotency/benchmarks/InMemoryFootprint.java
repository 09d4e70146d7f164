package dev.idempotency.benchmarks;

import java.time.Duration;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.benchmarks.Fixtures.Receipt;
import dev.idempotency.serialization.JacksonResultSerializer;
import dev.idempotency.store.InMemoryIdempotencyStore;

/**
 * How much heap the in-memory store keeps per completed record: the heap in use after a full collection, before and
 * after a number of first calls (each leaves one record), divided by that number. JMH measures time and allocation,
 * not what stays, and a store that keeps every record for a day is sized by this.
 */
final class InMemoryFootprint {

    static final int RECORDS = 300_000;

    private InMemoryFootprint() {
    }

    /** Bytes of heap per completed record, measured with {@link #RECORDS} records of the benchmarks' receipt. */
    static long bytesPerRecord() throws InterruptedException {
        InMemoryIdempotencyStore store = InMemoryIdempotencyStore.create();
        IdempotentOperation<Receipt> operation = Idempotency.builder()
                .store(store)
                .config(IdempotencyConfig.builder().ttl(Duration.ofHours(1)).localCacheEnabled(false).build())
                .build()
                .operation("bench.footprint", Receipt.class)
                .build();
        for (long key = -1; key >= -1_000; key--) {
            operation.execute(key, Fixtures.ORDER, () -> Fixtures.charge(Fixtures.ORDER));
        }
        long before = heapInUse();
        for (long key = 0; key < RECORDS; key++) {
            operation.execute(key, Fixtures.ORDER, () -> Fixtures.charge(Fixtures.ORDER));
        }
        long after = heapInUse();
        if (store.size() != RECORDS + 1_000) {
            throw new IllegalStateException("expected " + (RECORDS + 1_000) + " records, found " + store.size());
        }
        return (after - before) / RECORDS;
    }

    /** The serialized size of the benchmarks' receipt, the result each record keeps. */
    static int resultBytes() {
        return JacksonResultSerializer.create().serialize(Fixtures.charge(Fixtures.ORDER), Receipt.class).length;
    }

    private static long heapInUse() throws InterruptedException {
        Runtime runtime = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return runtime.totalMemory() - runtime.freeMemory();
    }
}

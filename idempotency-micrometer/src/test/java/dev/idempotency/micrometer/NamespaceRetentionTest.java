package dev.idempotency.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.store.InMemoryIdempotencyStore;

import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The README's answer for an application that cannot promise bounded namespaces is to cap them with
 * {@code MeterFilter.maximumAllowableTags("idempotency", "namespace", 100, MeterFilter.deny())}. The registry then
 * keeps at most 100 namespaces, and the meters' own per-namespace lookup must be bounded too: else every namespace
 * ever seen stays reachable, the cap bounds the meters and not the memory, and a per-request namespace grows the heap
 * by one entry per request for the life of the process.
 */
class NamespaceRetentionTest {

    private static final int CAP = 10;
    private static final int NAMESPACES = 20_000;

    @Test
    void forgetsNamespacesTheMeterFilterCappedAway() throws InterruptedException {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        meters.config().meterFilter(MeterFilter.maximumAllowableTags("idempotency", "namespace", CAP,
                MeterFilter.deny()));
        InMemoryIdempotencyStore store = InMemoryIdempotencyStore.create();
        Idempotency idempotency = IdempotencyMetrics.of(meters, store)
                .bindTo(Idempotency.builder().store(store).config(IdempotencyConfig.builder()
                        .localCacheEnabled(false).build()))
                .build();

        List<WeakReference<String>> namespaces = new ArrayList<>();
        for (int i = 0; i < CAP + NAMESPACES; i++) {
            String namespace = new String("tenant-" + i + ".orders.place");
            if (i >= CAP) {
                namespaces.add(new WeakReference<>(namespace));
            }
            idempotency.operation(namespace, String.class).build().execute("order-1", () -> "receipt");
        }
        assertThat(meters.find(IdempotencyMetrics.CALLS).counters()).as("the cap holds in the registry")
                .hasSize(CAP);

        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(50);
        }
        long retained = namespaces.stream().filter(reference -> reference.get() != null).count();

        assertThat(retained).as("namespaces beyond the cap still reachable, of %s", NAMESPACES)
                .isLessThan(NAMESPACES / 2);
    }
}

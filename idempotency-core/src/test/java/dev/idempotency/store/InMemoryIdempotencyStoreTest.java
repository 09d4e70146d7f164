package dev.idempotency.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.idempotency.testing.Hashes;

class InMemoryIdempotencyStoreTest extends AbstractIdempotencyStoreContractTest {

    @Override
    protected IdempotencyStore createStore() {
        return InMemoryIdempotencyStore.builder().maxResultBytes(64 * 1024).build();
    }

    @Test
    void sweepsExpiredRecordsAwayWhileClaiming() {
        InMemoryIdempotencyStore memory = InMemoryIdempotencyStore.create();
        for (int i = 0; i < 1_000; i++) {
            memory.claim(inProgress("swept#" + i, "t"), now());
        }
        clock.advance(TTL);
        for (int i = 0; i < 4_096; i++) {
            memory.claim(inProgress("fresh#" + i, "t"), now());
        }

        assertThat(memory.size()).isLessThanOrEqualTo(4_096);
    }

    /** Beyond the namespaces it shares one string for, the store keeps each record's namespace by itself. */
    @Test
    void keepsRecordsOfMoreNamespacesThanItShares() {
        String hash = Hashes.sha256("order-1");
        int namespaces = RecordKey.MAX_SHARED_NAMESPACES + 100;
        for (int i = 0; i < namespaces; i++) {
            assertThat(store.claim(inProgress("ns" + i + "#" + hash, "t" + i), now()).isClaimed()).isTrue();
        }

        for (int i = 0; i < namespaces; i += 997) {
            assertThat(store.find("ns" + i + "#" + hash).orElseThrow().claimToken()).isEqualTo("t" + i);
        }
        assertThat(store.find("ns" + (namespaces - 1) + "#" + hash).orElseThrow().claimToken())
                .isEqualTo("t" + (namespaces - 1));
        assertThat(store.find("ns" + namespaces + "#" + hash)).isEmpty();
    }

    @Test
    void keepsRecordsOfNamespacesUsedInTurn() {
        for (int i = 0; i < 10; i++) {
            String namespace = i % 2 == 0 ? "orders.place" : "orders.refund";
            store.claim(inProgress(namespace + "#" + Hashes.sha256("order-" + i), "t" + i), now());
        }

        for (int i = 0; i < 10; i++) {
            String namespace = i % 2 == 0 ? "orders.place" : "orders.refund";
            assertThat(store.find(namespace + "#" + Hashes.sha256("order-" + i)).orElseThrow().claimToken())
                    .isEqualTo("t" + i);
            String other = i % 2 == 0 ? "orders.refund" : "orders.place";
            assertThat(store.find(other + "#" + Hashes.sha256("order-" + i))).isEmpty();
        }
    }

    /** Any instant comes back exactly, before 1970 and with nanoseconds too (the engine writes whole ms and s). */
    @Test
    void keepsInstantsExactly() {
        Instant past = Instant.parse("1969-07-20T20:17:40.123456789Z");
        IdempotencyRecord claim = IdempotencyRecord.inProgress("moon#" + Hashes.sha256("eagle"), Hashes.sha256("{}"),
                UUID.randomUUID().toString(), past.plusNanos(1), past.plusNanos(2));

        assertThat(store.claim(claim, past).isClaimed()).isTrue();

        assertThat(store.find(claim.id())).contains(claim);
        assertThat(store.claim(claim, past.plusNanos(1)).isClaimed()).as("expired at its expiresAt").isTrue();
    }

    @Test
    void rejectsANonPositiveResultLimit() {
        assertThatThrownBy(() -> InMemoryIdempotencyStore.builder().maxResultBytes(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxResultBytes must be positive, but was 0");
    }
}

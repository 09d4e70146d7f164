package dev.idempotency.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

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

    @Test
    void rejectsANonPositiveResultLimit() {
        assertThatThrownBy(() -> InMemoryIdempotencyStore.builder().maxResultBytes(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxResultBytes must be positive, but was 0");
    }
}

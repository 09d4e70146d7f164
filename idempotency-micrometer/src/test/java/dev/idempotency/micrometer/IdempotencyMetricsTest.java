package dev.idempotency.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyListener;
import dev.idempotency.redis.RedisIdempotencyStore;
import dev.idempotency.store.ClaimResult;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.IdempotencyStore;
import dev.idempotency.store.InMemoryIdempotencyStore;
import dev.idempotency.testing.CountingIdempotencyStore;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;

/** The binder's own API: what it needs, how it names stores, what it registers up front. */
class IdempotencyMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void namesTheStoresAsTheStoreTypePropertyDoes() {
        assertThat(IdempotencyMetrics.storeType(InMemoryIdempotencyStore.create())).isEqualTo("memory");
        try (RedisIdempotencyStore redis = RedisIdempotencyStore.builder().uri("redis://127.0.0.1:1").build()) {
            assertThat(IdempotencyMetrics.storeType(redis)).isEqualTo("redis");
        }
        assertThat(IdempotencyMetrics.storeType(new CountingIdempotencyStore(InMemoryIdempotencyStore.create())))
                .isEqualTo("counting");
        assertThat(IdempotencyMetrics.storeType(new IdempotencyStore() {
            @Override
            public ClaimResult claim(IdempotencyRecord record, Instant now) {
                return ClaimResult.claimed();
            }

            @Override
            public boolean complete(IdempotencyRecord finished) {
                return true;
            }

            @Override
            public boolean release(String id, String claimToken) {
                return true;
            }

            @Override
            public Optional<IdempotencyRecord> find(String id) {
                return Optional.empty();
            }
        })).isEqualTo("custom");
    }

    @Test
    void registersTheEightStoreTimersUpFrontAndTheCountersAtTheirFirstCall() {
        IdempotencyMetrics metrics = IdempotencyMetrics.of(registry, InMemoryIdempotencyStore.create());

        assertThat(registry.find(IdempotencyMetrics.STORE_REQUESTS).tag("store", "memory").timers()).hasSize(8);
        assertThat(registry.find(IdempotencyMetrics.CALLS).counters()).isEmpty();
        metrics.bindTo(Idempotency.builder()).build().operation("orders.place", String.class).build()
                .execute("k-1", () -> "receipt");
        assertThat(registry.find(IdempotencyMetrics.CALLS).counters()).hasSize(1);
        assertThat(registry.find(IdempotencyMetrics.EVENTS).counters()).isEmpty();
    }

    @Test
    void observesWithoutMetersWhenGivenOnlyAnObservationRegistry() {
        IdempotencyMetrics metrics = IdempotencyMetrics.builder().observationRegistry(ObservationRegistry.create())
                .build();

        assertThat(metrics.listener()).isSameAs(IdempotencyListener.NO_OP);
        assertThat(metrics.toString()).isEqualTo("IdempotencyMetrics[meterRegistry=none, observationRegistry=set,"
                + " store=null]");
    }

    @Test
    void refusesToBuildWithoutARegistryOrWithoutTheStoreOfItsMeters() {
        assertThatThrownBy(() -> IdempotencyMetrics.builder().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("IdempotencyMetrics needs a meterRegistry, an observationRegistry, or both");
        assertThatThrownBy(() -> IdempotencyMetrics.builder().meterRegistry(registry).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("needs the store").hasMessageContaining("storeType(\"redis\")");
        assertThatThrownBy(() -> IdempotencyMetrics.builder().storeType(" "))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("storeType must not be blank");
    }

    @Test
    void printsWhatItRecordsInto() {
        assertThat(IdempotencyMetrics.of(registry, InMemoryIdempotencyStore.create()))
                .hasToString("IdempotencyMetrics[meterRegistry=SimpleMeterRegistry, observationRegistry=none,"
                        + " store=memory]");
    }
}

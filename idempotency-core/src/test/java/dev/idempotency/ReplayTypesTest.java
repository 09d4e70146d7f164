package dev.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.junit.jupiter.api.Test;

/** A replay returns an equal value of the declared type, from the store and from the local cache alike. */
class ReplayTypesTest {

    record Line(String sku, int quantity, BigDecimal price) {
    }

    record Order(UUID id, List<Line> lines, Map<String, String> tags, Optional<String> note, Instant placedAt) {
    }

    /** A plain JavaBean, as older code has. */
    public static final class Invoice {
        private String number;
        private long totalCents;

        public Invoice() {
        }

        Invoice(String number, long totalCents) {
            this.number = number;
            this.totalCents = totalCents;
        }

        public String getNumber() {
            return number;
        }

        public void setNumber(String number) {
            this.number = number;
        }

        public long getTotalCents() {
            return totalCents;
        }

        public void setTotalCents(long totalCents) {
            this.totalCents = totalCents;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Invoice i && Objects.equals(number, i.number) && totalCents == i.totalCents;
        }

        @Override
        public int hashCode() {
            return Objects.hash(number, totalCents);
        }
    }

    enum Status { ACCEPTED, REJECTED }

    private final AtomicInteger runs = new AtomicInteger();

    private Idempotency idempotency(boolean cache) {
        return Idempotency.builder()
                .config(IdempotencyConfig.builder().localCacheEnabled(cache).build())
                .build();
    }

    /** Runs the body once, then a duplicate, and returns the duplicate's value. */
    private <T> T replay(boolean cache, ResultType<T> type, T value) {
        IdempotentOperation<T> op = idempotency(cache).operation("types", type).build();
        T first = op.execute("k", () -> {
            runs.incrementAndGet();
            return value;
        });
        assertThat(first).isSameAs(value);
        T second = op.execute("k", () -> {
            runs.incrementAndGet();
            return value;
        });
        assertThat(runs).hasValue(1);
        return second;
    }

    @ParameterizedTest(name = "local cache {0}")
    @ValueSource(booleans = {false, true})
    void replaysARecordWithNestedGenericsOptionalsAndTimes(boolean cache) {
        Order order = new Order(UUID.randomUUID(), List.of(new Line("sku-1", 2, new BigDecimal("9.99"))),
                Map.of("channel", "web"), Optional.of("gift"), Instant.parse("2026-11-27T10:15:30.123Z"));

        Order replayed = replay(cache, ResultType.of(Order.class), order);

        assertThat(replayed).isEqualTo(order).isNotSameAs(order);
    }

    @ParameterizedTest(name = "local cache {0}")
    @ValueSource(booleans = {false, true})
    void replaysAListOfRecordsAsTheDeclaredElementType(boolean cache) {
        List<Line> lines = List.of(new Line("a", 1, BigDecimal.ONE), new Line("b", 2, BigDecimal.TEN));

        List<Line> replayed = replay(cache, new ResultType<List<Line>>() { }, lines);

        assertThat(replayed).isEqualTo(lines);
        assertThat(replayed.get(0)).isInstanceOf(Line.class);
    }

    @ParameterizedTest(name = "local cache {0}")
    @ValueSource(booleans = {false, true})
    void replaysAMapWithRecordValues(boolean cache) {
        Map<String, Line> byId = Map.of("x", new Line("x", 3, new BigDecimal("1.50")));

        assertThat(replay(cache, new ResultType<Map<String, Line>>() { }, byId)).isEqualTo(byId);
    }

    @ParameterizedTest(name = "local cache {0}")
    @ValueSource(booleans = {false, true})
    void replaysPresentAndEmptyOptionals(boolean cache) {
        assertThat(replay(cache, new ResultType<Optional<Line>>() { }, Optional.of(new Line("a", 1, BigDecimal.ONE))))
                .contains(new Line("a", 1, BigDecimal.ONE));
        runs.set(0);
        assertThat(replay(cache, new ResultType<Optional<Line>>() { }, Optional.empty())).isEmpty();
    }

    @ParameterizedTest(name = "local cache {0}")
    @ValueSource(booleans = {false, true})
    void replaysAJavaBean(boolean cache) {
        assertThat(replay(cache, ResultType.of(Invoice.class), new Invoice("INV-7", 1999)))
                .isEqualTo(new Invoice("INV-7", 1999));
    }

    @Test
    void replaysNullAsNull() {
        assertThat(replay(false, ResultType.of(Line.class), null)).isNull();
    }

    @Test
    void replaysStringsNumbersEnumsAndSets() {
        assertThat(replay(false, ResultType.of(String.class), "ok")).isEqualTo("ok");
        runs.set(0);
        assertThat(replay(false, ResultType.of(Long.class), 42L)).isEqualTo(42L);
        runs.set(0);
        assertThat(replay(false, ResultType.of(Status.class), Status.REJECTED)).isEqualTo(Status.REJECTED);
        runs.set(0);
        assertThat(replay(false, new ResultType<Set<UUID>>() { }, Set.of(new UUID(1, 2))))
                .containsExactly(new UUID(1, 2));
    }

    @Test
    void replaysAPrimitiveReturnType() throws Exception {
        IdempotentOperation<Object> op = idempotency(false).operation(Methods.class.getMethod("count", String.class));

        assertThat(op.invoke(new Object[] {"k"}, () -> 7)).isEqualTo(7);
        assertThat(op.invoke(new Object[] {"k"}, () -> 8)).isEqualTo(7);
    }

    @Test
    void replaysAVoidCallWithoutRunningItAgain() throws Exception {
        IdempotentOperation<Object> op = idempotency(false).operation(Methods.class.getMethod("send", String.class));

        op.invoke(new Object[] {"k"}, () -> {
            runs.incrementAndGet();
            return null;
        });
        Object second = op.invoke(new Object[] {"k"}, () -> {
            runs.incrementAndGet();
            return null;
        });

        assertThat(second).isNull();
        assertThat(runs).hasValue(1);
    }

    @Test
    void replaysAGenericReturnTypeReadFromTheMethod() throws Exception {
        IdempotentOperation<Object> op = idempotency(false).operation(Methods.class.getMethod("lines", String.class));
        List<Line> lines = List.of(new Line("a", 1, BigDecimal.ONE));

        op.invoke(new Object[] {"k"}, () -> lines);

        assertThat(op.invoke(new Object[] {"k"}, () -> List.of())).isEqualTo(lines)
                .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST).first().isInstanceOf(Line.class);
    }

    @Test
    void tellsATestWhetherAValueWouldReplay() {
        Idempotency idempotency = Idempotency.create();

        idempotency.verifyReplayable(new Line("a", 1, BigDecimal.ONE), Line.class);
        idempotency.verifyReplayable(List.of(new Line("a", 1, BigDecimal.ONE)), new ResultType<List<Line>>() { });
        assertThatThrownBy(() -> idempotency.verifyReplayable(new NoEquals("x"), NoEquals.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not read back equal");
        assertThatThrownBy(() -> idempotency.verifyReplayable(new SelfReferencing(), SelfReferencing.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot be serialized");
    }

    @Test
    void tellsATestWhenAValueIsTooLargeForTheStore() {
        Idempotency idempotency = Idempotency.builder()
                .store(dev.idempotency.store.InMemoryIdempotencyStore.builder().maxResultBytes(10).build()).build();

        assertThatThrownBy(() -> idempotency.verifyReplayable("x".repeat(100), String.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("above the store's limit of 10 bytes");
    }

    /** Has no equals: a replay would be a different object. */
    public static final class NoEquals {
        private final String value;

        public NoEquals(@com.fasterxml.jackson.annotation.JsonProperty("value") String value) {
            this.value = value;
        }

        public String getValue() {
            return value;
        }
    }

    /** JSON cannot express a cycle. */
    public static final class SelfReferencing {
        public SelfReferencing getSelf() {
            return this;
        }
    }

    /** Methods whose signatures the tests read. */
    public static class Methods {
        @Idempotent(name = "count")
        public int count(String key) {
            return 0;
        }

        @Idempotent(name = "send")
        public void send(String key) {
        }

        @Idempotent(name = "lines")
        public List<Line> lines(String key) {
            return List.of();
        }
    }
}

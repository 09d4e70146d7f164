package dev.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;


import tools.jackson.databind.json.JsonMapper;

/**
 * The canonical form promises "decimals without trailing zeros: 1.0 and 1.00 are one number", and keeps that promise
 * for values (fields, map values, trees, set elements), but not for map keys: a decimal key is written with its
 * scale, so a retry whose client wrote {@code 10.00} where the first wrote {@code 10.0} is refused as a payload
 * mismatch, while the same change in a value replays.
 */
class DecimalMapKeyFingerprintTest {

    /** Price tiers: from a quantity's unit price, how many units. */
    record Quote(String sku, Map<BigDecimal, Integer> tiers, BigDecimal discount) {
    }

    record Receipt(String sku, int run) {
    }

    private final JsonMapper json = JsonMapper.builder().build();
    private final AtomicInteger runs = new AtomicInteger();

    @Test
    void replaysARetryWhoseDecimalKeysHaveAnotherScale() {
        IdempotentOperation<Receipt> order = Idempotency.create().operation("quotes.order", Receipt.class).build();
        Quote first = json.readValue("{\"sku\":\"A-1\",\"tiers\":{\"10.0\":5},\"discount\":1.0}", Quote.class);
        Quote retry = json.readValue("{\"sku\":\"A-1\",\"tiers\":{\"10.00\":5},\"discount\":1.00}", Quote.class);

        Receipt receipt = order.execute("k-1", first, () -> new Receipt("A-1", runs.incrementAndGet()));

        // Fails: IdempotencyPayloadMismatchException; the value 1.0/1.00 alone matches, the key 10.0/10.00 does not.
        assertThat(order.execute("k-1", retry, () -> new Receipt("A-1", runs.incrementAndGet()))).isEqualTo(receipt);
        assertThat(runs).hasValue(1);
    }
}

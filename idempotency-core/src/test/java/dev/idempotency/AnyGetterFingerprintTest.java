package dev.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;


import tools.jackson.databind.json.JsonMapper;

/**
 * An extensible request: fixed fields plus free-form metadata kept with {@code @JsonAnySetter}/{@code @JsonAnyGetter}.
 * JSON objects are unordered, so a client that retries with its metadata in another order sends the same request.
 * The canonical form orders every map it meets, but not the map behind an any-getter: the retry is refused as a
 * payload mismatch (a 422 for an equal request).
 */
class AnyGetterFingerprintTest {

    public static class PaymentRequest {
        public String orderId;
        public long amountCents;
        private final Map<String, Object> metadata = new LinkedHashMap<>();

        @JsonAnySetter
        public void put(String name, Object value) {
            metadata.put(name, value);
        }

        @JsonAnyGetter
        public Map<String, Object> metadata() {
            return metadata;
        }
    }

    record Receipt(String orderId, int run) {
    }

    private final JsonMapper json = JsonMapper.builder().build();
    private final AtomicInteger runs = new AtomicInteger();

    @Test
    void replaysARetryWhoseMetadataCameInAnotherOrder() {
        IdempotentOperation<Receipt> pay = Idempotency.create().operation("payments.pay", Receipt.class).build();
        PaymentRequest first = json.readValue(
                "{\"orderId\":\"o-1\",\"amountCents\":500,\"channel\":\"web\",\"campaign\":\"spring\"}",
                PaymentRequest.class);
        PaymentRequest retry = json.readValue(
                "{\"campaign\":\"spring\",\"channel\":\"web\",\"amountCents\":500,\"orderId\":\"o-1\"}",
                PaymentRequest.class);

        Receipt receipt = pay.execute("k-1", first, () -> new Receipt("o-1", runs.incrementAndGet()));

        // Fails: IdempotencyPayloadMismatchException, the any-getter's entries are written in insertion order.
        assertThat(pay.execute("k-1", retry, () -> new Receipt("o-1", runs.incrementAndGet()))).isEqualTo(receipt);
        assertThat(runs).hasValue(1);
    }
}

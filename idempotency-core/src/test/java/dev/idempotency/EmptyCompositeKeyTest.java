package dev.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * "No key (null, blank, or nothing a strategy could read) is a clear IdempotencyKeyException". A composite key whose
 * parts are all missing reads as nothing too, but the canonical form writes it as {@code {}} (null components are
 * left out), a text that is not blank: every such call shares one record, and with no payload (the key alone
 * decides) the second customer gets the first customer's receipt.
 */
class EmptyCompositeKeyTest {

    record ChargeKey(@Nullable String customerId, @Nullable String clientToken) {
    }

    private final AtomicInteger runs = new AtomicInteger();

    @Test
    void refusesACompositeKeyWithNothingInIt() {
        IdempotentOperation<String> charge = Idempotency.create().operation("payments.charge", String.class).build();

        // Fails: no exception; the call runs under the key text "{}", and every later call without a key (bob's)
        // replays "receipt of alice, run 1".
        assertThatThrownBy(() -> charge.execute(new ChargeKey(null, null),
                () -> "receipt of alice, run " + runs.incrementAndGet()))
                .isInstanceOf(IdempotencyKeyException.class);
        assertThat(charge.execute(new ChargeKey(null, "tok-bob"), () -> "receipt of bob, run " + runs.incrementAndGet()))
                .isEqualTo("receipt of bob, run 1");
    }
}

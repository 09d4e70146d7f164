package dev.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.idempotency.store.ClaimResult;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.IdempotencyStore;
import dev.idempotency.store.InMemoryIdempotencyStore;
import dev.idempotency.testing.MutableClock;
import dev.idempotency.testing.RecordingListener;

/**
 * A final exception whose kept form is larger than the store's {@code maxResultBytes} (a validation failure that
 * quotes the request, say) is held to the same limit as a result: the record is finished without it, so the body
 * never runs again, and a duplicate gets a typed error instead of the exception.
 */
class KeptFailureSizeLimitTest {

    /** A declined payment: final, so that a retry gets the same answer instead of charging again. */
    public static final class PaymentDeclinedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public PaymentDeclinedException(String message) {
            super(message);
        }
    }

    private static final int LIMIT = 1_024;

    private final MutableClock clock = MutableClock.startingNow();
    private final RecordingListener listener = new RecordingListener();
    private final AtomicInteger charges = new AtomicInteger();
    private final IdempotentOperation<String> payment = Idempotency.builder().store(new LimitEnforcingStore())
            .listener(listener)
            .config(IdempotencyConfig.builder().clock(clock).build()).build()
            .operation("payments.charge", String.class).lease(Duration.ofSeconds(30))
            .finalExceptions(PaymentDeclinedException.class).build();
    private final String declined = "Declined: " + "the card issuer's explanation. ".repeat(60);

    @Test
    void neverRunsTheBodyAgainAfterAKeptFailureTooLargeForTheStore() {
        assertThatThrownBy(() -> charge()).isExactlyInstanceOf(PaymentDeclinedException.class).hasMessage(declined);
        clock.advance(Duration.ofMinutes(1));   // the client retries after the lease

        assertThatThrownBy(() -> charge()).isInstanceOf(IdempotencyReplayException.class)
                .hasMessageContaining("payments.charge")
                .hasMessageContaining("above the store's limit of " + LIMIT + " bytes")
                .hasMessageContaining("The body did not run again")
                .satisfies(e -> assertThat(((IdempotencyReplayException) e).namespace()).isEqualTo("payments.charge"));
        assertThat(charges).as("charge attempts for one key").hasValue(1);
        assertThat(listener.events()).contains("result not kept");
    }

    @Test
    void keepsAFinalExceptionWithinTheLimitAsBefore() {
        String shortReason = "Declined: insufficient funds";
        assertThatThrownBy(() -> payment.execute("payment-2", "payload", () -> {
            charges.incrementAndGet();
            throw new PaymentDeclinedException(shortReason);
        })).hasMessage(shortReason);
        clock.advance(Duration.ofMinutes(1));

        assertThatThrownBy(() -> payment.execute("payment-2", "payload", () -> "charged"))
                .isExactlyInstanceOf(PaymentDeclinedException.class).hasMessage(shortReason);
        assertThat(charges).hasValue(1);
    }

    private String charge() {
        return payment.execute("payment-1", "payload", () -> {
            charges.incrementAndGet();
            throw new PaymentDeclinedException(declined);
        });
    }

    /** Refuses a record above its limit, as the JDBC, DynamoDB and Redis stores do. */
    private static final class LimitEnforcingStore implements IdempotencyStore {
        private final InMemoryIdempotencyStore delegate = InMemoryIdempotencyStore.builder().build();

        @Override
        public ClaimResult claim(IdempotencyRecord record, Instant now) {
            return delegate.claim(record, now);
        }

        @Override
        public boolean complete(IdempotencyRecord finished) {
            byte[] result = finished.result();
            if (result != null && result.length > LIMIT) {
                throw new IdempotencyStoreException("test", finished.id(), "a result of " + result.length
                        + " bytes is above this store's limit", null);
            }
            return delegate.complete(finished);
        }

        @Override
        public boolean release(String id, String claimToken) {
            return delegate.release(id, claimToken);
        }

        @Override
        public Optional<IdempotencyRecord> find(String id) {
            return delegate.find(id);
        }

        @Override
        public int maxResultBytes() {
            return LIMIT;
        }
    }
}

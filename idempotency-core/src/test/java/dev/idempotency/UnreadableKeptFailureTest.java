package dev.idempotency;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.InMemoryIdempotencyStore;
import dev.idempotency.store.RecordStatus;
import dev.idempotency.testing.Hashes;

/**
 * "Unreadable records -> IdempotencyReplayException": a FAILED record whose kept exception is not the JSON the
 * framework writes must be reported as such, never as a raw exception.
 */
class UnreadableKeptFailureTest {

    public static class CardDeclinedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public CardDeclinedException(String message) {
            super(message);
        }
    }

    private final InMemoryIdempotencyStore memory = InMemoryIdempotencyStore.create();
    private final IdempotentOperation<String> charge = Idempotency.builder().store(memory).build()
            .operation("payments.charge", String.class).finalExceptions(CardDeclinedException.class).build();

    private void keepFailure(String key, String keptJson) {
        String id = "payments.charge#" + Hashes.sha256(key);
        Instant now = Instant.now();
        IdempotencyRecord claim = IdempotencyRecord.inProgress(id, "-", "token", now.plus(Duration.ofHours(1)),
                now.plus(Duration.ofMinutes(1)));
        memory.claim(claim, now);
        memory.complete(claim.finish(RecordStatus.FAILED, keptJson.getBytes(StandardCharsets.UTF_8),
                now.plus(Duration.ofHours(1))));
    }

    @Test
    void reportsAKeptFailureThatIsJsonNull() {
        keepFailure("k-1", "null");

        // Fails: a raw NullPointerException (the codec reads null and calls get on it).
        assertThatThrownBy(() -> charge.execute("k-1", () -> "charged"))
                .isInstanceOf(IdempotencyReplayException.class);
    }
}

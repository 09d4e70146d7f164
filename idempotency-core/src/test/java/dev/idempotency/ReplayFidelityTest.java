package dev.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.annotation.JsonIgnore;

import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.InMemoryIdempotencyStore;
import dev.idempotency.store.RecordStatus;
import dev.idempotency.testing.Hashes;
import dev.idempotency.testing.RecordingListener;

/** Every replay is the answer the store holds: from the local cache or the store, a value or a kept exception. */
class ReplayFidelityTest {

    /** Immutable, so one decoded value may serve every duplicate; the token is never kept. */
    record Receipt(String id, @JsonIgnore String gatewayToken) {
    }

    /** A card declined, as a gateway library might define it: a subclass of a JDK exception. */
    public static class CardDeclinedException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public CardDeclinedException(String message) {
            super(message);
        }
    }

    public static class LabelRejectedException extends Exception {
        private static final long serialVersionUID = 1L;

        public LabelRejectedException(String message) {
            super(message);
        }
    }

    /** Set by {@link PrivateDeclined}'s static initialiser: a tampered record must not get that far. */
    static final class Tampering {
        static volatile boolean ranInitialiser;
        static volatile boolean ranConstructor;
    }

    public static class PrivateDeclined extends CardDeclinedException {
        private static final long serialVersionUID = 1L;

        static {
            Tampering.ranInitialiser = true;
        }

        private PrivateDeclined(String message) {
            super(message);
            Tampering.ranConstructor = true;
        }
    }

    private final InMemoryIdempotencyStore memory = InMemoryIdempotencyStore.create();
    private final RecordingListener listener = new RecordingListener();
    private final AtomicInteger runs = new AtomicInteger();

    private Idempotency idempotency(boolean localCache) {
        return Idempotency.builder().store(memory).listener(listener)
                .config(IdempotencyConfig.builder().localCacheEnabled(localCache).build()).build();
    }

    // --- 9. the local cache replays what the store would ---

    @Test
    void replaysFromTheLocalCacheExactlyWhatTheStoreWould() {
        IdempotentOperation<Receipt> cached = idempotency(true).operation("payments.pay", Receipt.class).build();
        IdempotentOperation<Receipt> uncached = idempotency(false).operation("payments.pay", Receipt.class).build();

        Receipt first = cached.execute("k-1", () -> new Receipt("r-" + runs.incrementAndGet(), "tok_secret"));
        Receipt fromCache = cached.execute("k-1", () -> new Receipt("r-" + runs.incrementAndGet(), "other"));
        Receipt fromCacheAgain = cached.execute("k-1", () -> new Receipt("r-" + runs.incrementAndGet(), "other"));
        Receipt fromStore = uncached.execute("k-1", () -> new Receipt("r-" + runs.incrementAndGet(), "other"));

        assertThat(first).isEqualTo(new Receipt("r-1", "tok_secret"));
        assertThat(fromStore).isEqualTo(new Receipt("r-1", null));
        assertThat(fromCache).isEqualTo(fromStore);
        assertThat(fromCacheAgain).isSameAs(fromCache);
        assertThat(runs).hasValue(1);
        assertThat(listener.events()).containsExactly("executed", "replayed LOCAL_CACHE", "replayed LOCAL_CACHE",
                "replayed STORE");
    }

    // --- 10. a kept subclass of a JDK exception ---

    @Test
    void replaysAKeptSubclassOfAJdkExceptionAsItsOwnType() {
        IdempotentOperation<Receipt> pay = idempotency(false).operation("payments.pay", Receipt.class)
                .finalExceptions(IllegalArgumentException.class).build();
        assertThatThrownBy(() -> pay.execute("k-1", () -> {
            throw new CardDeclinedException("insufficient funds");
        })).isInstanceOf(CardDeclinedException.class);

        assertThatThrownBy(() -> pay.execute("k-1", () -> new Receipt("r", null)))
                .isExactlyInstanceOf(CardDeclinedException.class).hasMessage("insufficient funds");
    }

    static class Payments {
        @Idempotent(finalExceptions = IllegalArgumentException.class)
        public Receipt pay(String key) {
            throw new CardDeclinedException("insufficient funds");
        }
    }

    @Test
    void findsAKeptSubclassThroughTheOperationsClassLoaderWhenTheThreadHasAnother() throws Exception {
        IdempotentOperation<Object> pay = idempotency(false).operation(Payments.class.getMethod("pay", String.class));
        Payments payments = new Payments();
        assertThatThrownBy(() -> pay.invoke(new Object[] {"k-1"}, () -> payments.pay("k-1")))
                .isInstanceOf(CardDeclinedException.class);
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(ClassLoader.getPlatformClassLoader());
        try {
            assertThatThrownBy(() -> pay.invoke(new Object[] {"k-1"}, () -> new Receipt("r", null)))
                    .isExactlyInstanceOf(CardDeclinedException.class).hasMessage("insufficient funds");
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    // --- 11. an asynchronous body that throws a final checked exception before returning its stage ---

    @Test
    void keepsAFinalCheckedExceptionThrownBeforeTheStageIsReturned() {
        IdempotentOperation<Receipt> ship = idempotency(false).operation("ship.labels", Receipt.class)
                .finalExceptions(LabelRejectedException.class).build();

        assertThatThrownBy(() -> ship.executeAsync("k-1", null, () -> {
            runs.incrementAndGet();
            throw new LabelRejectedException("address unknown");
        })).isInstanceOf(LabelRejectedException.class);
        CompletableFuture<Receipt> duplicate = ship.executeAsync("k-1", null, () -> {
            runs.incrementAndGet();
            return CompletableFuture.completedFuture(new Receipt("r", null));
        });

        assertThat(memory.find("ship.labels#" + Hashes.sha256("k-1"))).get()
                .extracting(IdempotencyRecord::status).isEqualTo(RecordStatus.FAILED);
        assertThat(duplicate).failsWithin(1, TimeUnit.SECONDS).withThrowableThat()
                .havingCause().isExactlyInstanceOf(LabelRejectedException.class).withMessage("address unknown");
        assertThat(runs).hasValue(1);
    }

    // --- 15. a record that cannot be read ---

    @Test
    void refusesAKeptFailureThatIsNotJsonWithATypedError() {
        IdempotentOperation<Receipt> pay = idempotency(false).operation("payments.pay", Receipt.class)
                .finalExceptions(CardDeclinedException.class).build();
        String id = "payments.pay#" + Hashes.sha256("k-1");
        keep(id, RecordStatus.FAILED, "<html>not json</html>");

        assertThatThrownBy(() -> pay.execute("k-1", () -> new Receipt("r-" + runs.incrementAndGet(), null)))
                .isInstanceOf(IdempotencyReplayException.class)
                .hasMessageStartingWith("The first call of operation 'payments.pay' (record " + id + ") failed with a"
                        + " kept exception, but the record cannot be replayed: the kept exception is not the JSON"
                        + " this framework writes (")
                .hasMessageContaining("The body did not run again; the record expires at ");
        assertThat(runs).hasValue(0);
    }

    @Test
    void refusesAKeptFailureOfATypeThatIsNoneOfTheFinalExceptions() {
        IdempotentOperation<Receipt> pay = idempotency(false).operation("payments.pay", Receipt.class)
                .finalExceptions(CardDeclinedException.class).build();
        keep("payments.pay#" + Hashes.sha256("k-1"), RecordStatus.FAILED,
                "{\"type\":\"java.lang.ProcessBuilder\",\"message\":\"rm -rf\"}");

        assertThatThrownBy(() -> pay.execute("k-1", () -> new Receipt("r", null)))
                .isInstanceOf(IdempotencyReplayException.class)
                .hasMessageContaining("the kept type java.lang.ProcessBuilder is not found in the class loaders of the"
                        + " operation and the thread, or is none of its final exceptions ["
                        + CardDeclinedException.class.getName() + "]");
    }

    // --- 16. public constructors only ---

    @Test
    void neverRunsThePrivateConstructorOrInitialiserOfATypeATamperedRecordNames() {
        IdempotentOperation<Receipt> pay = idempotency(false).operation("payments.pay", Receipt.class)
                .finalExceptions(CardDeclinedException.class).build();
        keep("payments.pay#" + Hashes.sha256("k-1"), RecordStatus.FAILED, "{\"type\":\""
                + PrivateDeclined.class.getName() + "\",\"declared\":\"" + CardDeclinedException.class.getName()
                + "\",\"message\":\"declined\"}");

        assertThatThrownBy(() -> pay.execute("k-1", () -> new Receipt("r", null)))
                .isExactlyInstanceOf(CardDeclinedException.class).hasMessage("declined");
        assertThat(Tampering.ranConstructor).isFalse();
        assertThat(Tampering.ranInitialiser).isFalse();
    }

    /** Writes a finished record straight into the store, as another tool (or a tampering hand) might. */
    private void keep(String id, RecordStatus status, String result) {
        Instant now = Instant.now();
        IdempotencyRecord claim = IdempotencyRecord.inProgress(id, "-", "foreign", now.plus(Duration.ofHours(1)),
                now.plusSeconds(30));
        memory.claim(claim, now);
        memory.complete(claim.finish(status, result.getBytes(StandardCharsets.UTF_8), now.plus(Duration.ofHours(1))));
    }
}

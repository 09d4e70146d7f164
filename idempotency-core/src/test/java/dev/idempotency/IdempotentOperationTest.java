package dev.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.idempotency.store.ClaimResult;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.IdempotencyStore;
import dev.idempotency.store.InMemoryIdempotencyStore;
import dev.idempotency.store.RecordStatus;
import dev.idempotency.testing.CountingIdempotencyStore;
import dev.idempotency.testing.FaultInjectingIdempotencyStore;
import dev.idempotency.testing.Hashes;
import dev.idempotency.testing.FaultInjectingIdempotencyStore.Operation;
import dev.idempotency.testing.MutableClock;
import dev.idempotency.testing.RecordingListener;

/** Every branch of the state machine in SEMANTICS.md, through the programmatic API on the in-memory store. */
class IdempotentOperationTest {

    record Order(String id, int quantity) {
    }

    record Receipt(String orderId, long amountCents) {
    }

    /** Kept exceptions are rebuilt through public constructors only. */
    public static class CardDeclinedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public CardDeclinedException(String message) {
            super(message);
        }
    }

    private final MutableClock clock = MutableClock.startingNow();
    private final InMemoryIdempotencyStore memory = InMemoryIdempotencyStore.builder().maxResultBytes(1_000).build();
    private final CountingIdempotencyStore store = new CountingIdempotencyStore(memory);
    private final RecordingListener listener = new RecordingListener();
    private final AtomicInteger runs = new AtomicInteger();
    private final ExecutorService pool = Executors.newCachedThreadPool();

    private IdempotencyConfig.Builder config = IdempotencyConfig.builder()
            .clock(clock).ttl(Duration.ofMinutes(10)).lease(Duration.ofSeconds(30));

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    private Idempotency idempotency() {
        return Idempotency.builder().store(store).config(config.build()).listener(listener).build();
    }

    private IdempotentOperation<Receipt> charge(Idempotency idempotency) {
        return idempotency.operation("payments.charge", Receipt.class).build();
    }

    private Receipt chargeBody(Order order) {
        runs.incrementAndGet();
        return new Receipt(order.id(), order.quantity() * 250L);
    }

    // --- first call and replays ---

    @Test
    void runsTheFirstCallAndKeepsItsResult() {
        IdempotentOperation<Receipt> charge = charge(idempotency());
        Order order = new Order("o-1", 2);

        Receipt receipt = charge.execute("key-1", order, () -> chargeBody(order));

        assertThat(receipt).isEqualTo(new Receipt("o-1", 500));
        assertThat(runs).hasValue(1);
        assertThat(store.claims()).isEqualTo(1);
        assertThat(store.completes()).isEqualTo(1);
        assertThat(listener.events()).containsExactly("executed");
    }

    @Test
    void replaysTheStoredResultForACompletedKeyWithoutRunningTheBody() {
        config.localCacheEnabled(false);
        IdempotentOperation<Receipt> charge = charge(idempotency());
        Order order = new Order("o-1", 2);
        Receipt first = charge.execute("key-1", order, () -> chargeBody(order));
        store.reset();

        Receipt second = charge.execute("key-1", order, () -> chargeBody(order));

        assertThat(second).isEqualTo(first).isNotSameAs(first);
        assertThat(runs).hasValue(1);
        assertThat(store.total()).as("one failed claim hands back the record").isEqualTo(1);
        assertThat(listener.events()).containsExactly("executed", "replayed STORE");
    }

    @Test
    void answersADuplicateFromTheLocalCacheWithZeroStoreRequests() {
        IdempotentOperation<Receipt> charge = charge(idempotency());
        Order order = new Order("o-1", 2);
        charge.execute("key-1", order, () -> chargeBody(order));
        store.reset();

        Receipt again = charge.execute("key-1", order, () -> chargeBody(order));

        assertThat(again).isEqualTo(new Receipt("o-1", 500));
        assertThat(store.total()).isZero();
        assertThat(runs).hasValue(1);
        assertThat(listener.events()).containsExactly("executed", "replayed LOCAL_CACHE");
    }

    @Test
    void fillsTheLocalCacheFromAStoreReplaySoTheNextDuplicateIsFree() {
        Idempotency other = Idempotency.builder().store(store).config(config.build()).build();
        Order order = new Order("o-1", 2);
        charge(other).execute("key-1", order, () -> chargeBody(order));
        IdempotentOperation<Receipt> charge = charge(idempotency());

        charge.execute("key-1", order, () -> chargeBody(order));
        store.reset();
        charge.execute("key-1", order, () -> chargeBody(order));

        assertThat(store.total()).isZero();
        assertThat(listener.events()).containsExactly("replayed STORE", "replayed LOCAL_CACHE");
    }

    @Test
    void checksTheFingerprintEvenOnALocalCacheHit() {
        IdempotentOperation<Receipt> charge = charge(idempotency());
        Order order = new Order("o-1", 2);
        charge.execute("key-1", order, () -> chargeBody(order));
        store.reset();
        Order other = new Order("o-1", 3);

        assertThatThrownBy(() -> charge.execute("key-1", other, () -> chargeBody(other)))
                .isInstanceOf(IdempotencyPayloadMismatchException.class);
        assertThat(store.total()).isZero();
        assertThat(runs).hasValue(1);
    }

    @Test
    void refusesTheSameKeyWithADifferentPayload() {
        config.localCacheEnabled(false);
        IdempotentOperation<Receipt> charge = charge(idempotency());
        Order order = new Order("o-1", 2);
        charge.execute("key-1", order, () -> chargeBody(order));
        Order changed = new Order("o-1", 5);

        assertThatThrownBy(() -> charge.execute("key-1", changed, () -> chargeBody(changed)))
                .isInstanceOfSatisfying(IdempotencyPayloadMismatchException.class, e -> {
                    assertThat(e.namespace()).isEqualTo("payments.charge");
                    assertThat(e.status()).isEqualTo(RecordStatus.COMPLETED);
                    assertThat(e.getMessage()).contains("payments.charge").contains("different payload")
                            .doesNotContain("key-1");
                });
        assertThat(runs).hasValue(1);
        assertThat(listener.events()).containsExactly("executed", "payload mismatch");
    }

    @Test
    void treatsEqualPayloadsBuiltInAnotherOrderAsTheSameRequest() {
        IdempotentOperation<String> op = idempotency().operation("maps", String.class).build();
        java.util.Map<String, Integer> one = new java.util.LinkedHashMap<>();
        one.put("a", 1);
        one.put("b", 2);
        java.util.Map<String, Integer> two = new java.util.LinkedHashMap<>();
        two.put("b", 2);
        two.put("a", 1);

        op.execute("k", one, () -> "first");

        assertThat(op.execute("k", two, () -> "second")).isEqualTo("first");
    }

    @Test
    void keepsTheSameKeyInTwoNamespacesApart() {
        Idempotency idempotency = idempotency();
        IdempotentOperation<String> charge = idempotency.operation("payments.charge", String.class).build();
        IdempotentOperation<String> refund = idempotency.operation("payments.refund", String.class).build();

        assertThat(charge.execute("key-1", () -> "charged")).isEqualTo("charged");
        assertThat(refund.execute("key-1", () -> "refunded")).isEqualTo("refunded");
        assertThat(memory.size()).isEqualTo(2);
    }

    @Test
    void storesOnlyTheHashOfTheKey() {
        IdempotentOperation<Receipt> charge = charge(idempotency());
        String rawKey = "alice@example.com/2026-11-27";
        Order order = new Order("o-1", 1);

        charge.execute(rawKey, order, () -> chargeBody(order));

        IdempotencyRecord record = memory.find("payments.charge#" + sha256(rawKey)).orElseThrow();
        assertThat(record.id()).doesNotContain(rawKey).matches("payments\\.charge#[0-9a-f]{64}");
        assertThat(new String(record.result(), StandardCharsets.UTF_8)).doesNotContain(rawKey);
        assertThat(record.toString()).doesNotContain(rawKey);
    }

    @Test
    void runsAgainOnceTheRecordExpired() {
        IdempotentOperation<Receipt> charge = charge(idempotency());
        Order order = new Order("o-1", 1);
        charge.execute("key-1", order, () -> chargeBody(order));
        clock.advance(Duration.ofMinutes(10));

        charge.execute("key-1", order, () -> chargeBody(order));

        assertThat(runs).hasValue(2);
        assertThat(listener.events()).containsExactly("executed", "executed");
    }

    @Test
    void forgetsALocallyCachedRecordWhenItExpires() {
        IdempotentOperation<Receipt> charge = charge(idempotency());
        Order order = new Order("o-1", 1);
        charge.execute("key-1", order, () -> chargeBody(order));
        clock.advance(Duration.ofMinutes(10).plusSeconds(1));
        store.reset();

        charge.execute("key-1", order, () -> chargeBody(order));

        assertThat(store.claims()).isEqualTo(1);
        assertThat(runs).hasValue(2);
    }

    // --- missing keys ---

    @Test
    void refusesACallWithoutAKeyAndDoesNotRunTheBody() {
        IdempotentOperation<Receipt> charge = charge(idempotency());
        Order order = new Order("o-1", 1);

        for (Object missing : new Object[] {null, "", "   ", java.util.Optional.empty()}) {
            assertThatThrownBy(() -> charge.execute(missing, order, () -> chargeBody(order)))
                    .isInstanceOfSatisfying(IdempotencyKeyException.class, e -> {
                        assertThat(e.namespace()).isEqualTo("payments.charge");
                        assertThat(e.recordId()).isNull();
                        assertThat(e.getMessage()).contains("No idempotency key").contains("payments.charge");
                    });
        }
        assertThat(runs).hasValue(0);
        assertThat(store.total()).isZero();
    }

    @Test
    void runsACallWithoutAKeyUnprotectedWhenConfiguredTo() {
        config.missingKeyPolicy(MissingKeyPolicy.RUN_UNPROTECTED);
        IdempotentOperation<Receipt> charge = charge(idempotency());
        Order order = new Order("o-1", 1);

        charge.execute(null, order, () -> chargeBody(order));
        charge.execute(null, order, () -> chargeBody(order));

        assertThat(runs).hasValue(2);
        assertThat(store.total()).isZero();
    }

    @Test
    void hashesAVeryLongKeyToABoundedRecordId() {
        IdempotentOperation<String> op = idempotency().operation("long", String.class).build();
        String longKey = "k".repeat(100_000);

        op.execute(longKey, () -> "v");

        assertThat(memory.find("long#" + sha256(longKey)).orElseThrow().id()).hasSize("long#".length() + 64);
    }

    @Test
    void refusesAPayloadThatCannotBeFingerprinted() {
        IdempotentOperation<String> op = idempotency().operation("streams", String.class).build();
        Object unwritable = new Object() {
            @SuppressWarnings("unused")
            public String getBoom() {
                throw new IllegalStateException("boom");
            }
        };

        assertThatThrownBy(() -> op.execute("k", unwritable, () -> "v"))
                .isInstanceOf(IdempotencyKeyException.class)
                .hasMessageContaining("Cannot fingerprint the payload of operation 'streams'");
    }

    // --- failures ---

    @Test
    void releasesTheKeyWhenTheBodyThrowsSoARetryRunsAgain() {
        IdempotentOperation<Receipt> charge = charge(idempotency());
        Order order = new Order("o-1", 1);
        IllegalStateException boom = new IllegalStateException("gateway timeout");

        assertThatThrownBy(() -> charge.execute("key-1", order, () -> {
            runs.incrementAndGet();
            throw boom;
        })).isSameAs(boom);
        assertThat(store.releases()).isEqualTo(1);
        assertThat(memory.size()).isZero();

        assertThat(charge.execute("key-1", order, () -> chargeBody(order))).isEqualTo(new Receipt("o-1", 250));
        assertThat(runs).hasValue(2);
        assertThat(listener.events()).containsExactly("released", "executed");
    }

    @Test
    void rethrowsACheckedExceptionUnchanged() {
        IdempotentOperation<String> op = idempotency().operation("io", String.class).build();
        IOException io = new IOException("disk full");

        assertThatThrownBy(() -> op.execute("k", () -> {
            throw io;
        })).isSameAs(io);
    }

    @Test
    void keepsAFinalExceptionAndReplaysAnEquivalentOneWithoutRunningAgain() {
        config.localCacheEnabled(false);
        IdempotentOperation<Receipt> charge = idempotency().operation("payments.charge", Receipt.class)
                .finalExceptions(CardDeclinedException.class).build();
        Order order = new Order("o-1", 1);

        assertThatThrownBy(() -> charge.execute("key-1", order, () -> {
            runs.incrementAndGet();
            throw new CardDeclinedException("insufficient funds");
        })).isInstanceOf(CardDeclinedException.class);
        assertThatThrownBy(() -> charge.execute("key-1", order, () -> chargeBody(order)))
                .isExactlyInstanceOf(CardDeclinedException.class)
                .hasMessage("insufficient funds");

        assertThat(runs).hasValue(1);
        assertThat(memory.find("payments.charge#" + sha256("key-1")))
                .get().extracting(IdempotencyRecord::status).isEqualTo(RecordStatus.FAILED);
        assertThat(listener.events()).containsExactly("failure kept", "replayed STORE");
    }

    /** Takes no message: a kept one cannot be handed back to it. */
    public static class ExpiredCardException extends CardDeclinedException {
        private static final long serialVersionUID = 1L;

        public ExpiredCardException(int month) {
            super("card expired in month " + month);
        }
    }

    public static class FraudSuspectedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public FraudSuspectedException() {
            super("fraud suspected");
        }
    }

    /** A family of final exceptions, declared by its abstract base. */
    public abstract static class PaymentRefusedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        protected PaymentRefusedException(String message) {
            super(message);
        }
    }

    public static class LimitExceededException extends PaymentRefusedException {
        private static final long serialVersionUID = 1L;

        public LimitExceededException(long limitCents) {
            super("limit of " + limitCents + " exceeded");
        }
    }

    @Test
    void replaysAKeptExceptionAsItsDeclaredTypeWhenItsOwnTypeCannotBeRebuilt() {
        config.localCacheEnabled(false);
        IdempotentOperation<Receipt> charge = idempotency().operation("payments.charge", Receipt.class)
                .finalExceptions(CardDeclinedException.class).build();
        Order order = new Order("o-1", 1);
        assertThatThrownBy(() -> charge.execute("key-1", order, () -> {
            throw new ExpiredCardException(7);
        })).isInstanceOf(ExpiredCardException.class);

        assertThatThrownBy(() -> charge.execute("key-1", order, () -> chargeBody(order)))
                .isExactlyInstanceOf(CardDeclinedException.class)
                .hasMessage("card expired in month 7");
        assertThat(runs).hasValue(0);
    }

    @Test
    void replaysAKeptExceptionThroughItsNoArgumentConstructor() {
        config.localCacheEnabled(false);
        IdempotentOperation<Receipt> charge = idempotency().operation("payments.charge", Receipt.class)
                .finalExceptions(FraudSuspectedException.class).build();
        Order order = new Order("o-1", 1);
        assertThatThrownBy(() -> charge.execute("key-1", order, () -> {
            throw new FraudSuspectedException();
        })).isInstanceOf(FraudSuspectedException.class);

        assertThatThrownBy(() -> charge.execute("key-1", order, () -> chargeBody(order)))
                .isExactlyInstanceOf(FraudSuspectedException.class)
                .hasMessage("fraud suspected");
        assertThat(runs).hasValue(0);
    }

    @Test
    void refusesAFinalExceptionTypeThatAReplayCouldNotRebuild() {
        assertThatThrownBy(() -> idempotency().operation("payments.charge", Receipt.class)
                .finalExceptions(LimitExceededException.class).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("operation 'payments.charge': final exception " + LimitExceededException.class.getName()
                        + " cannot be rebuilt for a replay: make it a public class with a public constructor taking"
                        + " (String) or nothing");
    }

    @Test
    void tellsAKeptExceptionThatCannotBeRebuiltWithoutRunningAgain() {
        config.localCacheEnabled(false);
        IdempotentOperation<Receipt> charge = idempotency().operation("payments.charge", Receipt.class)
                .finalExceptions(PaymentRefusedException.class).build();
        Order order = new Order("o-1", 1);
        assertThatThrownBy(() -> charge.execute("key-1", order, () -> {
            throw new LimitExceededException(100_000);
        })).isInstanceOf(LimitExceededException.class);

        assertThatThrownBy(() -> charge.execute("key-1", order, () -> chargeBody(order)))
                .isInstanceOf(IdempotencyReplayException.class)
                .hasMessageContaining("failed with a kept exception, but the record cannot be replayed: neither "
                        + LimitExceededException.class.getName() + " nor its declared final type "
                        + PaymentRefusedException.class.getName() + " has a public constructor taking (String) or"
                        + " nothing. The body did not run again;");
        assertThat(runs).hasValue(0);
    }

    @Test
    void releasesForAnExceptionThatIsNotFinal() {
        IdempotentOperation<Receipt> charge = idempotency().operation("payments.charge", Receipt.class)
                .finalExceptions(CardDeclinedException.class).build();
        Order order = new Order("o-1", 1);

        assertThatThrownBy(() -> charge.execute("key-1", order, () -> {
            throw new IllegalStateException("timeout");
        })).isInstanceOf(IllegalStateException.class);

        assertThat(memory.size()).isZero();
    }

    // --- results that cannot be kept ---

    /** Refers to itself, which JSON cannot express. */
    static final class Unserializable {
        public Unserializable getSelf() {
            return this;
        }
    }

    @Test
    void givesTheFirstCallerAResultThatCannotBeSerializedAndAClearErrorToDuplicates() {
        config.localCacheEnabled(false);
        IdempotentOperation<Unserializable> op = idempotency().operation("streams", Unserializable.class).build();
        Unserializable value = new Unserializable();

        assertThat(op.execute("k", () -> {
            runs.incrementAndGet();
            return value;
        })).isSameAs(value);
        assertThatThrownBy(() -> op.execute("k", () -> {
            runs.incrementAndGet();
            return new Unserializable();
        })).isInstanceOfSatisfying(IdempotencyReplayException.class, e -> {
            assertThat(e.namespace()).isEqualTo("streams");
            assertThat(e.getMessage()).contains("was not kept").contains("did not run again");
        });

        assertThat(runs).hasValue(1);
        assertThat(listener.events()).containsExactly("result not kept", "executed");
    }

    @Test
    void givesTheFirstCallerAResultTooLargeForTheStoreAndAClearErrorToDuplicates() {
        IdempotentOperation<String> op = idempotency().operation("large", String.class).build();
        String large = "x".repeat(2_000);

        assertThat(op.execute("k", () -> {
            runs.incrementAndGet();
            return large;
        })).isEqualTo(large);
        assertThatThrownBy(() -> op.execute("k", () -> {
            runs.incrementAndGet();
            return large;
        })).isInstanceOf(IdempotencyReplayException.class);

        assertThat(runs).hasValue(1);
        assertThat(listener.count("result not kept")).isEqualTo(1);
    }

    @Test
    void failsAReplayWhoseKeptResultNoLongerReadsAsTheDeclaredType() {
        config.localCacheEnabled(false);
        Idempotency idempotency = idempotency();
        idempotency.operation("changed", String.class).build().execute("k", () -> "not a receipt");
        IdempotentOperation<Receipt> changed = idempotency.operation("changed", Receipt.class).build();

        assertThatThrownBy(() -> changed.execute("k", () -> new Receipt("x", 1)))
                .isInstanceOf(IdempotencyReplayException.class)
                .hasMessageContaining("cannot be read as");
    }

    // --- leases ---

    @Test
    void refusesADifferentPayloadWhileTheFirstCallStillRuns() throws Exception {
        IdempotentOperation<Receipt> charge = charge(idempotency());
        Order order = new Order("o-1", 1);
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        Future<Receipt> first = pool.submit(() -> charge.execute("key-1", order, () -> {
            running.countDown();
            finish.await();
            return chargeBody(order);
        }));
        running.await();

        assertThatThrownBy(() -> charge.execute("key-1", new Order("o-1", 9), () -> chargeBody(order)))
                .isInstanceOfSatisfying(IdempotencyPayloadMismatchException.class,
                        e -> assertThat(e.status()).isEqualTo(RecordStatus.IN_PROGRESS));
        finish.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(new Receipt("o-1", 250));
        assertThat(runs).hasValue(1);
    }

    @Test
    void rejectsADuplicateOfARunningCallWithTheTimeLeftOnItsLease() throws Exception {
        IdempotentOperation<Receipt> charge = charge(idempotency());
        Order order = new Order("o-1", 1);
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        Future<Receipt> first = pool.submit(() -> charge.execute("key-1", order, () -> {
            running.countDown();
            finish.await();
            return chargeBody(order);
        }));
        running.await();
        clock.advance(Duration.ofSeconds(10));

        assertThatThrownBy(() -> charge.execute("key-1", order, () -> chargeBody(order)))
                .isInstanceOfSatisfying(IdempotencyInProgressException.class, e -> {
                    assertThat(e.timeLeft()).isEqualTo(Duration.ofSeconds(20));
                    assertThat(e.namespace()).isEqualTo("payments.charge");
                    assertThat(e.getMessage()).contains("still running");
                });
        finish.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(new Receipt("o-1", 250));
        assertThat(runs).hasValue(1);
    }

    @Test
    void letsANewCallTakeOverWhenTheOwnerDiedAndFencesTheLateOwnerOut() throws Exception {
        IdempotentOperation<String> op = idempotency().operation("fenced", String.class).build();
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        Future<String> late = pool.submit(() -> op.execute("k", () -> {
            running.countDown();
            finish.await();
            return "late";
        }));
        running.await();
        clock.advance(Duration.ofSeconds(31));

        assertThat(op.execute("k", () -> "takeover")).isEqualTo("takeover");
        finish.countDown();

        assertThat(late.get(10, TimeUnit.SECONDS)).as("the late owner still gets its own result").isEqualTo("late");
        assertThat(listener.events()).containsExactly("executed", "lease lost", "executed");
        config.localCacheEnabled(false);
        assertThat(idempotency().operation("fenced", String.class).build().execute("k", () -> "third"))
                .isEqualTo("takeover");
    }

    @Test
    void neverLetsALateOwnerReleaseTheNewOwnersRecord() throws Exception {
        IdempotentOperation<String> op = idempotency().operation("fenced", String.class).build();
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        Future<String> late = pool.submit(() -> op.execute("k", () -> {
            running.countDown();
            finish.await();
            throw new IllegalStateException("late failure");
        }));
        running.await();
        clock.advance(Duration.ofSeconds(31));
        op.execute("k", () -> "takeover");
        finish.countDown();

        assertThatThrownBy(() -> late.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalStateException.class);
        assertThat(listener.events()).contains("lease lost");
        assertThat(memory.find("fenced#" + sha256("k")).orElseThrow().status()).isEqualTo(RecordStatus.COMPLETED);
    }

    // --- store failures ---

    @Test
    void failsClosedWhenTheStoreCannotClaim() {
        FaultInjectingIdempotencyStore failing = FaultInjectingIdempotencyStore.builder(memory)
                .failing(Operation.CLAIM).build();
        Idempotency idempotency = Idempotency.builder().store(failing).config(config.build()).listener(listener)
                .build();
        IdempotentOperation<Receipt> charge = charge(idempotency);
        Order order = new Order("o-1", 1);

        assertThatThrownBy(() -> charge.execute("key-1", order, () -> chargeBody(order)))
                .isInstanceOfSatisfying(IdempotencyStoreException.class, e -> {
                    assertThat(e.namespace()).isEqualTo("payments.charge");
                    assertThat(e.getCause()).hasMessageContaining("injected CLAIM fault");
                    assertThat(e.getMessage()).contains("failed to claim");
                });
        assertThat(runs).hasValue(0);
        assertThat(listener.events()).containsExactly("store failure");
    }

    @Test
    void runsUnprotectedWhenTheStoreFailsOnlyIfConfiguredTo() {
        FaultInjectingIdempotencyStore failing = FaultInjectingIdempotencyStore.builder(memory)
                .failing(Operation.CLAIM).build();
        config.storeFailurePolicy(StoreFailurePolicy.RUN_UNPROTECTED);
        IdempotentOperation<Receipt> charge = charge(
                Idempotency.builder().store(failing).config(config.build()).build());
        Order order = new Order("o-1", 1);

        assertThat(charge.execute("key-1", order, () -> chargeBody(order))).isEqualTo(new Receipt("o-1", 250));
        assertThat(runs).hasValue(1);
    }

    @Test
    void stopsRetryingACompletionOnceTheLeaseRunsOut() {
        AtomicInteger completions = new AtomicInteger();
        IdempotencyStore slowAndFailing = new IdempotencyStore() {
            @Override
            public ClaimResult claim(IdempotencyRecord record, Instant now) {
                return memory.claim(record, now);
            }

            @Override
            public boolean complete(IdempotencyRecord finished) {
                completions.incrementAndGet();
                clock.advance(Duration.ofSeconds(31));
                throw new IllegalStateException("timed out after the lease");
            }

            @Override
            public boolean release(String id, String claimToken) {
                return memory.release(id, claimToken);
            }

            @Override
            public Optional<IdempotencyRecord> find(String id) {
                return memory.find(id);
            }
        };
        IdempotentOperation<Receipt> charge = charge(
                Idempotency.builder().store(slowAndFailing).config(config.build()).listener(listener).build());
        Order order = new Order("o-1", 1);

        assertThat(charge.execute("key-1", order, () -> chargeBody(order))).isEqualTo(new Receipt("o-1", 250));

        assertThat(completions).as("no retry once the 30 s lease is over").hasValue(1);
        assertThat(listener.events()).containsExactly("store failure", "executed");
    }

    @Test
    void returnsTheResultWhenTheStoreFailsToCompleteAndLeavesTheLeaseToExpire() {
        FaultInjectingIdempotencyStore failing = FaultInjectingIdempotencyStore.builder(memory)
                .failing(Operation.COMPLETE).build();
        IdempotentOperation<Receipt> charge = charge(
                Idempotency.builder().store(failing).config(config.build()).listener(listener).build());
        Order order = new Order("o-1", 1);

        assertThat(charge.execute("key-1", order, () -> chargeBody(order))).isEqualTo(new Receipt("o-1", 250));
        assertThat(listener.events()).containsExactly("store failure", "executed");
        assertThat(memory.find("payments.charge#" + sha256("key-1")).orElseThrow().status())
                .isEqualTo(RecordStatus.IN_PROGRESS);
    }

    @Test
    void rethrowsTheBodysExceptionWhenTheReleaseFails() {
        FaultInjectingIdempotencyStore failing = FaultInjectingIdempotencyStore.builder(memory)
                .failing(Operation.RELEASE).build();
        IdempotentOperation<String> op = Idempotency.builder().store(failing).config(config.build())
                .listener(listener).build().operation("r", String.class).build();
        IllegalStateException boom = new IllegalStateException("boom");

        assertThatThrownBy(() -> op.execute("k", () -> {
            throw boom;
        })).isSameAs(boom);
        assertThat(listener.events()).containsExactly("store failure");
    }

    @Test
    void ignoresAListenerThatThrows() {
        IdempotentOperation<String> op = Idempotency.builder().store(store).config(config.build())
                .listener(new IdempotencyListener() {
                    @Override
                    public void onExecuted(IdempotencyEvent event) {
                        throw new IllegalStateException("listener bug");
                    }
                }).build().operation("l", String.class).build();

        assertThat(op.execute("k", () -> "v")).isEqualTo("v");
    }

    static String sha256(String text) {
        return Hashes.sha256(text);
    }
}

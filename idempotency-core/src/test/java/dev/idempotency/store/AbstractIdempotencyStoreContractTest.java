package dev.idempotency.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.testing.Hashes;
import dev.idempotency.testing.LostResponseStore;
import dev.idempotency.testing.MutableClock;
import dev.idempotency.testing.Race;
import dev.idempotency.testing.RecordingListener;

/**
 * The contract every {@link IdempotencyStore} must pass: SEMANTICS.md "What the store must guarantee". A store's
 * test extends this class and supplies the store; the suite moves its own {@link MutableClock} and passes the
 * times to the store, as the engine does.
 *
 * <pre>{@code
 * class MyStoreTest extends AbstractIdempotencyStoreContractTest {
 *     protected IdempotencyStore createStore() { return new MyStore(...); }
 * }
 * }</pre>
 *
 * <p>Ids are random per test, so one table or map may serve every test. The last tests run the engine on the store,
 * with the caller's thread interrupted and with responses lost, as a network client would meet them.
 */
public abstract class AbstractIdempotencyStoreContractTest {

    protected static final Duration TTL = Duration.ofMinutes(10);
    protected static final Duration LEASE = Duration.ofMillis(30_500);

    protected final MutableClock clock = MutableClock.startingNow();
    protected IdempotencyStore store;

    /** The store under test; called before each test. */
    protected abstract IdempotencyStore createStore();

    /** How many claim attempts the fuzz test makes; lower it for slow stores. */
    protected int fuzzOperations() {
        return 4_000;
    }

    @BeforeEach
    void setUpStore() {
        store = createStore();
    }

    // --- claim ---

    @Test
    void claimsAKeyThatHasNoRecord() {
        IdempotencyRecord record = inProgress(newId(), "t1");

        assertThat(store.claim(record, now()).isClaimed()).isTrue();
        assertThat(store.find(record.id())).contains(record);
    }

    @Test
    void findsNothingForAKeyNeverClaimed() {
        assertThat(store.find(newId())).isEmpty();
    }

    @Test
    void keepsEveryFieldOfAClaimExactly() {
        String id = newId();
        Instant lease = now().plusMillis(1_234);
        IdempotencyRecord record = IdempotencyRecord.inProgress(id, "fp-ü-€", "token-1", retainUntil(now()), lease);

        store.claim(record, now());

        IdempotencyRecord found = store.find(id).orElseThrow();
        assertThat(found.status()).isEqualTo(RecordStatus.IN_PROGRESS);
        assertThat(found.fingerprint()).isEqualTo("fp-ü-€");
        assertThat(found.claimToken()).isEqualTo("token-1");
        assertThat(found.expiresAt()).isEqualTo(retainUntil(now()));
        assertThat(found.leaseExpiresAt()).isEqualTo(lease);
        assertThat(found.result()).isNull();
    }

    /**
     * A store may encode what it keeps (the in-memory store packs the engine's hex digits and UUIDs into numbers),
     * but every text must come back as given, whether in the engine's forms or close to them.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("textForms")
    void keepsEveryTextExactlyWhateverItsForm(String form, String id, String fingerprint, String token) {
        IdempotencyRecord claim = IdempotencyRecord.inProgress(id, fingerprint, token, retainUntil(now()),
                now().plus(LEASE));

        assertThat(store.claim(claim, now()).isClaimed()).isTrue();
        assertThat(store.find(id)).contains(claim);
        assertThat(store.claim(claim, now()).existing()).isEqualTo(claim);
        IdempotencyRecord done = claim.finish(RecordStatus.COMPLETED, bytes("result"), retainUntil(now()));
        if (!token.equals(token.toUpperCase())) {
            // A token owns a record as the same text only: the same letters in upper case do not.
            assertThat(store.complete(new IdempotencyRecord(id, RecordStatus.COMPLETED, fingerprint,
                    token.toUpperCase(), done.expiresAt(), null, done.result()))).isFalse();
        }
        assertThat(store.complete(done)).isTrue();
        assertThat(store.find(id)).contains(done);
    }

    static Stream<Arguments> textForms() {
        return Stream.of(
                Arguments.of("the engine's forms", "contract.Forms#" + randomHex(64), randomHex(64),
                        UUID.randomUUID().toString()),
                Arguments.of("upper-case hex digits", "contract.Forms#" + randomHex(64).toUpperCase(),
                        randomHex(64).toUpperCase(), UUID.randomUUID().toString().toUpperCase()),
                Arguments.of("one hex digit short", "contract.Forms#" + randomHex(63), randomHex(63), "1-2-3-4-5"),
                Arguments.of("no namespace", "#" + randomHex(64), "fingerprint", "token"),
                Arguments.of("a namespace of hex digits", randomHex(64) + "#" + randomHex(64), randomHex(63) + "g",
                        UUID.randomUUID().toString().substring(1) + "g"));
    }

    @Test
    void keepsIdsThatDifferOnlyInCaseApart() {
        String hash = randomHex(64);
        IdempotencyRecord lower = IdempotencyRecord.inProgress("contract.Case#" + hash, "fingerprint", "lower",
                retainUntil(now()), now().plus(LEASE));
        IdempotencyRecord upper = IdempotencyRecord.inProgress("contract.Case#" + hash.toUpperCase(), "fingerprint",
                "upper", retainUntil(now()), now().plus(LEASE));

        assertThat(store.claim(lower, now()).isClaimed()).isTrue();
        assertThat(store.claim(upper, now()).isClaimed()).isTrue();

        assertThat(store.find(lower.id())).contains(lower);
        assertThat(store.find(upper.id())).contains(upper);
    }

    @Test
    void keepsTheSameHashInTwoNamespacesApart() {
        String hash = randomHex(64);
        IdempotencyRecord place = IdempotencyRecord.inProgress("contract.Place#" + hash, Hashes.sha256("a"),
                UUID.randomUUID().toString(), retainUntil(now()), now().plus(LEASE));
        IdempotencyRecord refund = IdempotencyRecord.inProgress("contract.Refund#" + hash, Hashes.sha256("b"),
                UUID.randomUUID().toString(), retainUntil(now()), now().plus(LEASE));

        assertThat(store.claim(place, now()).isClaimed()).isTrue();
        assertThat(store.claim(refund, now()).isClaimed()).isTrue();

        IdempotencyRecord done = place.finish(RecordStatus.COMPLETED, bytes("receipt"), retainUntil(now()));
        assertThat(store.complete(done)).isTrue();
        assertThat(store.release(refund.id(), refund.claimToken())).isTrue();
        assertThat(store.find(place.id())).contains(done);
        assertThat(store.find(refund.id())).isEmpty();
    }

    @Test
    void refusesAClaimWhileAnotherCallHoldsALiveLease() {
        String id = newId();
        IdempotencyRecord first = inProgress(id, "first");
        store.claim(first, now());
        clock.advance(LEASE.minusMillis(1));

        ClaimResult second = store.claim(inProgress(id, "second"), now());

        assertThat(second.isClaimed()).isFalse();
        assertThat(second.existing()).isEqualTo(first);
        assertThat(store.find(id)).contains(first);
    }

    @Test
    void claimsAKeyWhoseOwnerLetItsLeaseRunOut() {
        String id = newId();
        store.claim(inProgress(id, "dead-owner"), now());
        clock.advance(LEASE);

        IdempotencyRecord takeover = inProgress(id, "new-owner");
        assertThat(store.claim(takeover, now()).isClaimed()).isTrue();
        assertThat(store.find(id)).contains(takeover);
    }

    @Test
    void refusesAClaimOverALiveCompletedRecord() {
        String id = newId();
        IdempotencyRecord completed = completed(id, "owner", bytes("result"));
        clock.advance(Duration.ofMinutes(5));

        ClaimResult claim = store.claim(inProgress(id, "late"), now());

        assertThat(claim.isClaimed()).isFalse();
        assertThat(claim.existing()).isEqualTo(completed);
        assertThat(claim.existing().result()).isEqualTo(bytes("result"));
    }

    @Test
    void refusesAClaimOverALiveCompletedRecordEvenAfterItsOldLeaseTime() {
        String id = newId();
        IdempotencyRecord completed = completed(id, "owner", bytes("r"));
        clock.advance(LEASE.multipliedBy(3));

        assertThat(store.claim(inProgress(id, "late"), now()).existing()).isEqualTo(completed);
    }

    @Test
    void claimsAKeyWhoseCompletedRecordExpired() {
        String id = newId();
        completed(id, "owner", bytes("old"));
        clock.advance(TTL);

        IdempotencyRecord again = inProgress(id, "again");
        assertThat(store.claim(again, now()).isClaimed()).isTrue();
        assertThat(store.find(id)).contains(again);
    }

    @Test
    void refusesAClaimOverALiveFailedRecordAndClaimsOnceItExpired() {
        String id = newId();
        IdempotencyRecord claimed = inProgress(id, "owner");
        store.claim(claimed, now());
        IdempotencyRecord failed = claimed.finish(RecordStatus.FAILED, bytes("declined"), retainUntil(now()));
        assertThat(store.complete(failed)).isTrue();

        assertThat(store.claim(inProgress(id, "retry"), now()).existing()).isEqualTo(failed);

        clock.advance(TTL);
        assertThat(store.claim(inProgress(id, "later"), now()).isClaimed()).isTrue();
    }

    @Test
    void claimsAKeyWhoseInProgressRecordExpiredBeforeItsLease() {
        String id = newId();
        store.claim(IdempotencyRecord.inProgress(id, "fp", "short", now().plusSeconds(5), now().plusSeconds(60)),
                now());
        clock.advance(Duration.ofSeconds(5));

        assertThat(store.claim(inProgress(id, "next"), now()).isClaimed()).isTrue();
    }

    @Test
    void refusesToClaimWithAFinishedRecord() {
        String id = newId();
        IdempotencyRecord finished = inProgress(id, "t").finish(RecordStatus.COMPLETED, bytes("r"), retainUntil(now()));

        assertThatThrownBy(() -> store.claim(finished, now())).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.find(id)).isEmpty();
    }

    // --- complete ---

    @Test
    void refusesToCompleteWithAnInProgressRecord() {
        String id = newId();
        IdempotencyRecord claim = inProgress(id, "t");
        store.claim(claim, now());

        assertThatThrownBy(() -> store.complete(claim)).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.find(id)).contains(claim);
    }

    @Test
    void completesTheRecordItOwnsWithTheResult() {
        String id = newId();
        IdempotencyRecord claimed = inProgress(id, "owner");
        store.claim(claimed, now());
        IdempotencyRecord done =
                claimed.finish(RecordStatus.COMPLETED, bytes("{\"total\":42}"), retainUntil(now()));

        assertThat(store.complete(done)).isTrue();

        IdempotencyRecord found = store.find(id).orElseThrow();
        assertThat(found).isEqualTo(done);
        assertThat(found.leaseExpiresAt()).isNull();
    }

    @Test
    void completesARecordWithoutAResult() {
        String id = newId();
        IdempotencyRecord claimed = inProgress(id, "owner");
        store.claim(claimed, now());

        assertThat(store.complete(claimed.finish(RecordStatus.COMPLETED, null, retainUntil(now())))).isTrue();

        IdempotencyRecord found = store.find(id).orElseThrow();
        assertThat(found.status()).isEqualTo(RecordStatus.COMPLETED);
        assertThat(found.result()).isNull();
    }

    @Test
    void keepsAnEmptyResultApartFromNoResult() {
        String id = newId();
        IdempotencyRecord claimed = inProgress(id, "owner");
        store.claim(claimed, now());

        store.complete(claimed.finish(RecordStatus.COMPLETED, new byte[0], retainUntil(now())));

        assertThat(store.find(id).orElseThrow().result()).isEqualTo(new byte[0]);
    }

    @Test
    void keepsEveryByteOfABinaryResult() {
        byte[] all = new byte[512];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        String id = newId();
        IdempotencyRecord claimed = inProgress(id, "owner");
        store.claim(claimed, now());

        store.complete(claimed.finish(RecordStatus.COMPLETED, all, retainUntil(now())));

        assertThat(store.find(id).orElseThrow().result()).isEqualTo(all);
    }

    @Test
    void keepsAResultOfTheLargestSizeItAccepts() {
        int max = store.maxResultBytes();
        if (max > 4_000_000) {
            return; // no practical limit to probe
        }
        byte[] largest = new byte[max];
        ThreadLocalRandom.current().nextBytes(largest);
        String id = newId();
        IdempotencyRecord claimed = inProgress(id, "owner");
        store.claim(claimed, now());

        assertThat(store.complete(claimed.finish(RecordStatus.COMPLETED, largest, retainUntil(now()))))
                .isTrue();
        assertThat(store.find(id).orElseThrow().result()).isEqualTo(largest);
    }

    @Test
    void refusesToCompleteWithAnotherCallsClaimToken() {
        String id = newId();
        IdempotencyRecord claimed = inProgress(id, "owner");
        store.claim(claimed, now());
        IdempotencyRecord forged = inProgress(id, "intruder")
                .finish(RecordStatus.COMPLETED, bytes("forged"), retainUntil(now()));

        assertThat(store.complete(forged)).isFalse();
        assertThat(store.find(id)).contains(claimed);
    }

    @Test
    void fencesOutALateOwnerWhoseLeaseWasTakenOver() {
        String id = newId();
        IdempotencyRecord late = inProgress(id, "late-owner");
        store.claim(late, now());
        clock.advance(LEASE.plusSeconds(1));
        IdempotencyRecord takeover = inProgress(id, "new-owner");
        store.claim(takeover, now());

        assertThat(store.complete(late.finish(RecordStatus.COMPLETED, bytes("stale"), retainUntil(now()))))
                .isFalse();
        assertThat(store.release(id, "late-owner")).isFalse();
        assertThat(store.find(id)).contains(takeover);
    }

    @Test
    void refusesToCompleteARecordThatIsAlreadyCompleted() {
        String id = newId();
        IdempotencyRecord claimed = inProgress(id, "owner");
        store.claim(claimed, now());
        IdempotencyRecord done = claimed.finish(RecordStatus.COMPLETED, bytes("first"), retainUntil(now()));
        store.complete(done);

        assertThat(store.complete(claimed.finish(RecordStatus.COMPLETED, bytes("second"), retainUntil(now()))))
                .isFalse();
        assertThat(store.find(id)).contains(done);
    }

    @Test
    void refusesToCompleteARecordThatDoesNotExist() {
        IdempotencyRecord ghost = inProgress(newId(), "ghost")
                .finish(RecordStatus.COMPLETED, bytes("x"), retainUntil(now()));

        assertThat(store.complete(ghost)).isFalse();
        assertThat(store.find(ghost.id())).isEmpty();
    }

    // --- release ---

    @Test
    void releasesTheRecordItOwnsSoTheKeyCanBeClaimedAgain() {
        String id = newId();
        store.claim(inProgress(id, "owner"), now());

        assertThat(store.release(id, "owner")).isTrue();

        assertThat(store.find(id)).isEmpty();
        assertThat(store.claim(inProgress(id, "retry"), now()).isClaimed()).isTrue();
    }

    @Test
    void refusesToReleaseWithAnotherCallsClaimToken() {
        String id = newId();
        IdempotencyRecord claimed = inProgress(id, "owner");
        store.claim(claimed, now());

        assertThat(store.release(id, "intruder")).isFalse();
        assertThat(store.find(id)).contains(claimed);
    }

    @Test
    void neverReleasesACompletedRecord() {
        String id = newId();
        IdempotencyRecord done = completed(id, "owner", bytes("kept"));

        assertThat(store.release(id, "owner")).isFalse();
        assertThat(store.find(id)).contains(done);
    }

    @Test
    void refusesToReleaseARecordThatDoesNotExist() {
        assertThat(store.release(newId(), "nobody")).isFalse();
    }

    // --- races ---

    @Test
    void letsExactlyOneOf64ThreadsClaimOneKey() throws Exception {
        String id = newId();
        Instant at = now();

        List<Race.Outcome<Boolean>> outcomes = Race.run(64, 60,
                i -> () -> store.claim(inProgress(id, "t" + i, at), at).isClaimed());

        assertThat(outcomes).allMatch(Race.Outcome::succeeded);
        assertThat(outcomes.stream().filter(Race.Outcome::value).count()).isEqualTo(1);
        IdempotencyRecord winner = store.find(id).orElseThrow();
        assertThat(winner.claimToken()).matches("t\\d+");
    }

    @Test
    void letsExactlyOneOf64ThreadsTakeOverAnExpiredLease() throws Exception {
        String id = newId();
        store.claim(inProgress(id, "dead"), now());
        clock.advance(LEASE.plusSeconds(1));
        Instant at = now();

        List<Race.Outcome<Boolean>> outcomes = Race.run(64, 60,
                i -> () -> store.claim(inProgress(id, "t" + i, at), at).isClaimed());

        assertThat(outcomes).allMatch(Race.Outcome::succeeded);
        assertThat(outcomes.stream().filter(Race.Outcome::value).count()).isEqualTo(1);
        assertThat(store.find(id).orElseThrow().claimToken()).isNotEqualTo("dead");
    }

    @Test
    void neverLetsTwoOwnersHoldOneKeyUnderAFuzzOf16Threads() throws Exception {
        int keys = 300;
        String prefix = "fuzz-" + UUID.randomUUID() + "#";
        AtomicIntegerArray owners = new AtomicIntegerArray(keys);
        AtomicIntegerArray completions = new AtomicIntegerArray(keys);
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger claimedCount = new AtomicInteger();
        AtomicInteger refusedCount = new AtomicInteger();
        AtomicInteger releases = new AtomicInteger();
        AtomicInteger attempts = new AtomicInteger();
        int operations = fuzzOperations();
        Instant at = now();

        List<Race.Outcome<Void>> outcomes = Race.run(16, 600, thread -> () -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            int n = 0;
            while (attempts.getAndIncrement() < operations) {
                int key = random.nextInt(keys);
                String id = prefix + key;
                String token = thread + "-" + n++;
                IdempotencyRecord mine = inProgress(id, token, at);
                ClaimResult claim = store.claim(mine, at);
                if (!claim.isClaimed()) {
                    refusedCount.incrementAndGet();
                    continue;
                }
                claimedCount.incrementAndGet();
                if (owners.incrementAndGet(key) != 1) {
                    overlaps.incrementAndGet();
                }
                owners.decrementAndGet(key);
                if (random.nextInt(4) == 0) {
                    assertThat(store.release(id, token)).isTrue();
                    releases.incrementAndGet();
                } else {
                    assertThat(store.complete(mine.finish(RecordStatus.COMPLETED, bytes(token), retainUntil(at))))
                            .isTrue();
                    completions.incrementAndGet(key);
                }
            }
            return null;
        });

        assertThat(outcomes).allMatch(Race.Outcome::succeeded);
        assertThat(overlaps.get()).as("claims that overlapped a live owner").isZero();
        assertThat(claimedCount.get() + refusedCount.get()).isEqualTo(operations);
        int completedKeys = 0;
        for (int key = 0; key < keys; key++) {
            assertThat(completions.get(key)).as("completions of key %d", key).isLessThanOrEqualTo(1);
            Optional<IdempotencyRecord> record = store.find(prefix + key);
            if (completions.get(key) == 1) {
                completedKeys++;
                assertThat(record).get().extracting(IdempotencyRecord::status).isEqualTo(RecordStatus.COMPLETED);
            } else {
                assertThat(record).isEmpty();
            }
        }
        assertThat(claimedCount.get()).isEqualTo(completedKeys + releases.get());
    }

    // --- through the engine: what the caller's environment must not change ---

    /** The engine on this store and the suite's clock, with the local cache off so that every replay reads the store. */
    protected Idempotency idempotency() {
        return Idempotency.builder().store(store)
                .config(IdempotencyConfig.builder().clock(clock).localCacheEnabled(false).build()).build();
    }

    @Test
    void completesTheRecordOfABodyThatReturnsWithTheCallerInterrupted() {
        IdempotentOperation<String> place = idempotency().operation("contract.Interrupted", String.class).build();
        AtomicInteger runs = new AtomicInteger();
        String key = UUID.randomUUID().toString();

        String first = place.execute(key, () -> {
            Thread.currentThread().interrupt();
            return "receipt-" + runs.incrementAndGet();
        });
        boolean interrupted = Thread.interrupted();

        assertThat(interrupted).as("the caller's interrupt flag, set again once the record completed").isTrue();
        assertThat(store.find("contract.Interrupted#" + Hashes.sha256(key))).get()
                .extracting(IdempotencyRecord::status).isEqualTo(RecordStatus.COMPLETED);
        clock.advance(LEASE.plusSeconds(1));
        assertThat(place.execute(key, () -> "receipt-" + runs.incrementAndGet())).isEqualTo(first);
        assertThat(runs).hasValue(1);
    }

    @Test
    void releasesTheRecordOfABodyThatThrowsWithTheCallerInterrupted() {
        IdempotentOperation<String> place = idempotency().operation("contract.Interrupted", String.class).build();
        String key = UUID.randomUUID().toString();

        assertThatThrownBy(() -> place.execute(key, () -> {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("gateway timeout");
        })).hasMessage("gateway timeout");
        boolean interrupted = Thread.interrupted();

        assertThat(interrupted).isTrue();
        assertThat(store.find("contract.Interrupted#" + Hashes.sha256(key))).isEmpty();
        assertThat(place.execute(key, () -> "retried")).isEqualTo("retried");
    }

    /**
     * A completion or release whose response was lost and whose retry was refused, as a store client's retry of a
     * request that had taken effect is: the store must then hand back our own finished record (or none), so the
     * engine can tell it from a lease that another call took over.
     */
    @Test
    void letsTheEngineRecogniseItsOwnFinishedRecordAfterALostResponse() {
        RecordingListener listener = new RecordingListener();
        Idempotency lossy = Idempotency.builder().store(new LostResponseStore(store)).listener(listener)
                .config(IdempotencyConfig.builder().clock(clock).localCacheEnabled(false).build()).build();
        IdempotentOperation<String> place = lossy.operation("contract.Lossy", String.class).build();
        String completed = UUID.randomUUID().toString();
        String released = UUID.randomUUID().toString();

        place.execute(completed, () -> "receipt");
        assertThatThrownBy(() -> place.execute(released, () -> {
            throw new IllegalStateException("gateway timeout");
        })).hasMessage("gateway timeout");

        assertThat(listener.events()).containsExactly("executed", "released");
        assertThat(store.find("contract.Lossy#" + Hashes.sha256(completed))).get()
                .extracting(IdempotencyRecord::status).isEqualTo(RecordStatus.COMPLETED);
        assertThat(store.find("contract.Lossy#" + Hashes.sha256(released))).isEmpty();
    }

    // --- helpers ---

    protected Instant now() {
        return clock.instant();
    }

    /** The retention end of a record written at {@code at}: whole seconds, as stores keep it and the engine writes. */
    protected static Instant retainUntil(Instant at) {
        Instant end = at.plus(TTL);
        return end.getNano() == 0 ? end : Instant.ofEpochSecond(end.getEpochSecond() + 1);
    }

    protected static String newId() {
        return "contract.Store#" + UUID.randomUUID();
    }

    private static String randomHex(int digits) {
        byte[] bytes = new byte[(digits + 1) / 2];
        ThreadLocalRandom.current().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes).substring(0, digits);
    }

    protected static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    protected IdempotencyRecord inProgress(String id, String token) {
        return inProgress(id, token, now());
    }

    protected IdempotencyRecord inProgress(String id, String token, Instant at) {
        return IdempotencyRecord.inProgress(id, "fingerprint", token, retainUntil(at), at.plus(LEASE));
    }

    /** Claims {@code id} and completes it with {@code result}; returns the completed record. */
    protected IdempotencyRecord completed(String id, String token, byte[] result) {
        IdempotencyRecord claimed = inProgress(id, token);
        assertThat(store.claim(claimed, now()).isClaimed()).isTrue();
        IdempotencyRecord done = claimed.finish(RecordStatus.COMPLETED, result, retainUntil(now()));
        assertThat(store.complete(done)).isTrue();
        return done;
    }
}

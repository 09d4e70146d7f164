package dev.idempotency.internal;

import java.lang.reflect.Type;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.idempotency.CallOutcome;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotencyEvent;
import dev.idempotency.IdempotencyInProgressException;
import dev.idempotency.IdempotencyKeyException;
import dev.idempotency.IdempotencyListener;
import dev.idempotency.IdempotencyObserver;
import dev.idempotency.IdempotencyObserver.ObservedCall;
import dev.idempotency.IdempotencyPayloadMismatchException;
import dev.idempotency.IdempotencyReplayException;
import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.IdempotentSupplier;
import dev.idempotency.InProgressPolicy;
import dev.idempotency.MissingKeyPolicy;
import dev.idempotency.ReplaySource;
import dev.idempotency.StoreFailurePolicy;
import dev.idempotency.StoreOperation;
import dev.idempotency.serialization.ResultSerializer;
import dev.idempotency.store.ClaimResult;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.IdempotencyStore;
import dev.idempotency.store.RecordStatus;

/**
 * The state machine of one call (SEMANTICS.md): resolve the key, answer from the local cache, claim, run and
 * complete or release, or let the existing record decide. Thread-safe; one instance serves every operation.
 */
public final class Engine {

    private static final Logger log = LoggerFactory.getLogger(Engine.class);
    private static final byte[] NO_BYTES = new byte[0];

    /*
     * Store operations retry transient failures, on top of any retries of the store's own client. Completion tries
     * hardest, within the settle budget and the lease: a completion that is lost lets the body run again once the
     * lease ends.
     */
    private static final int CLAIM_ATTEMPTS = 2;
    private static final int RELEASE_ATTEMPTS = 2;
    private static final int FIND_ATTEMPTS = 2;
    private static final int COMPLETE_ATTEMPTS = 8;
    private static final long RETRY_BACKOFF_MILLIS = 5;

    private final IdempotencyStore store;
    private final IdempotencyConfig config;
    private final ResultSerializer serializer;
    private final IdempotencyListener listener;
    private final IdempotencyObserver observer;
    private final Clock clock;
    private final CanonicalForm canonical;
    private final FailureCodec failures;
    private final @Nullable LocalCache cache;

    public Engine(IdempotencyStore store, IdempotencyConfig config, ResultSerializer serializer,
            IdempotencyListener listener, IdempotencyObserver observer,
            tools.jackson.databind.ObjectMapper canonicalBase) {
        this.store = store;
        this.config = config;
        this.serializer = serializer;
        this.listener = listener;
        this.observer = observer;
        this.clock = config.clock();
        this.canonical = new CanonicalForm(canonicalBase);
        this.failures = new FailureCodec(canonical.mapper());
        this.cache = config.localCacheEnabled() ? new LocalCache(config.localCacheMaxSize(), clock) : null;
    }

    /** Runs {@code body} at most once per key within the retention time; duplicates replay its outcome. */
    @SuppressWarnings("unchecked")
    public <T, E extends Throwable> T execute(OperationSpec op, @Nullable Object key, @Nullable Object payload,
            IdempotentSupplier<? extends T, E> body) throws E {
        ObservedCall observed = observe(op);
        CallOutcome outcome = CallOutcome.ERROR;
        Throwable failure = null;
        try {
            Start start;
            try {
                start = start(op, key, payload);
            } catch (Throwable refused) {
                outcome = refusal(op, refused);
                throw refused;
            }
            if (start.claim == null) {
                outcome = start.outcome();
                return start.call == null ? body.get() : (T) start.replayed;
            }
            T value;
            try {
                value = body.get();
            } catch (Throwable bodyFailure) {
                outcome = settleFailure(start.call, start.claim, bodyFailure);
                throw bodyFailure;
            }
            settleSuccess(start.call, start.claim, value);
            outcome = CallOutcome.EXECUTED;
            return value;
        } catch (Throwable thrown) {
            failure = thrown;
            throw thrown;
        } finally {
            end(observed, outcome, failure);
        }
    }

    /**
     * The asynchronous form: the key is claimed now, on the caller's thread, and the record completes or is
     * released when the body's stage settles, before the returned future does. A duplicate gets an already
     * settled future. What the body throws before it returns a stage (a checked exception too) is settled as a
     * synchronous body's would be, kept when final, and rethrown.
     */
    @SuppressWarnings("unchecked")
    public <T, E extends Throwable> CompletableFuture<T> executeAsync(OperationSpec op, @Nullable Object key,
            @Nullable Object payload, IdempotentSupplier<? extends @Nullable CompletionStage<? extends T>, E> body)
            throws E {
        ObservedCall observed = observe(op);
        Start start;
        try {
            start = start(op, key, payload);
        } catch (Throwable refused) {
            end(observed, refusal(op, refused), refused);
            if (refused instanceof Exception exception) {
                // A replayed final exception may be checked: it arrives in the future, like every other outcome.
                return CompletableFuture.failedFuture(exception);
            }
            throw refused;
        }
        if (start.claim == null) {
            if (start.call == null) {
                CompletionStage<? extends T> unprotected;
                try {
                    unprotected = body.get();
                } catch (Throwable thrown) {
                    end(observed, CallOutcome.UNPROTECTED, thrown);
                    throw thrown;
                }
                if (unprotected == null) {
                    end(observed, CallOutcome.UNPROTECTED, null);
                    return null;
                }
                // Unprotected, but still asynchronous: observed until its stage settles, as a protected call is.
                leave(observed);
                CompletableFuture<T> settled = new CompletableFuture<>();
                unprotected.whenComplete((value, error) -> {
                    Throwable failure = unwrap(error);
                    try {
                        endLeft(observed, CallOutcome.UNPROTECTED, failure);
                    } finally {
                        if (failure == null) {
                            settled.complete(value);
                        } else {
                            settled.completeExceptionally(failure);
                        }
                    }
                });
                return settled;
            }
            end(observed, start.outcome(), null);
            return CompletableFuture.completedFuture((T) start.replayed);
        }
        Call call = start.call;
        IdempotencyRecord claim = start.claim;
        CompletionStage<? extends T> stage;
        try {
            stage = body.get();
        } catch (Throwable bodyFailure) {
            end(observed, settleFailure(call, claim, bodyFailure), bodyFailure);
            throw bodyFailure;
        }
        if (stage == null) {
            NullPointerException missing = new NullPointerException(op.description()
                    + " returned a null CompletionStage; an asynchronous operation must return a stage");
            end(observed, settleFailure(call, claim, missing), missing);
            throw missing;
        }
        leave(observed);
        CompletableFuture<T> settled = new CompletableFuture<>();
        stage.whenComplete((value, error) -> {
            // The body's work is done: the call ends and its caller gets it, whatever recording it ran into.
            if (error == null) {
                try {
                    settleSuccess(call, claim, value);
                } finally {
                    endLeft(observed, CallOutcome.EXECUTED, null);
                    settled.complete(value);
                }
            } else {
                Throwable failure = unwrap(error);
                CallOutcome outcome = CallOutcome.FAILED;
                try {
                    outcome = settleFailure(call, claim, failure);
                } finally {
                    endLeft(observed, outcome, failure);
                    settled.completeExceptionally(failure);
                }
            }
        });
        return settled;
    }

    // --- observing a call ---

    private ObservedCall observe(OperationSpec op) {
        if (observer == IdempotencyObserver.NO_OP) {
            return ObservedCall.NO_OP;
        }
        try {
            return observer.start(op.namespace());
        } catch (RuntimeException e) {
            log.warn("An IdempotencyObserver threw; ignored", e);
            return ObservedCall.NO_OP;
        }
    }

    /** How a call refused before its body ran ended, by what {@link #start} threw. */
    private static CallOutcome refusal(OperationSpec op, Throwable refused) {
        if (refused instanceof IdempotencyInProgressException) {
            return CallOutcome.IN_PROGRESS;
        }
        if (refused instanceof IdempotencyPayloadMismatchException) {
            return CallOutcome.PAYLOAD_MISMATCH;
        }
        if (refused instanceof IdempotencyKeyException) {
            return CallOutcome.INVALID_KEY;
        }
        if (refused instanceof IdempotencyStoreException) {
            return CallOutcome.STORE_FAILURE;
        }
        if (refused instanceof IdempotencyReplayException) {
            return CallOutcome.REPLAY_FAILED;
        }
        // Kept failures are never cached locally: a final exception before the body can only be a store replay.
        return op.isFinal(refused) ? CallOutcome.REPLAYED_FROM_STORE : CallOutcome.ERROR;
    }

    /** What the body's stage failed with, without the wrapper that a dependent stage adds. */
    private static @Nullable Throwable unwrap(@Nullable Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }

    private static void end(ObservedCall observed, CallOutcome outcome, @Nullable Throwable failure) {
        leave(observed);
        endLeft(observed, outcome, failure);
    }

    private static void leave(ObservedCall observed) {
        try {
            observed.leave();
        } catch (RuntimeException e) {
            log.warn("An IdempotencyObserver threw; ignored", e);
        }
    }

    private static void endLeft(ObservedCall observed, CallOutcome outcome, @Nullable Throwable failure) {
        try {
            observed.end(outcome, failure);
        } catch (RuntimeException e) {
            log.warn("An IdempotencyObserver threw; ignored", e);
        }
    }

    /**
     * Steps 1 to 3 and 5 of the state machine: returns a claimed start (run the body), a replayed value, or an
     * unprotected start (no key or no store, and configured to run anyway); throws what the existing record
     * decides.
     */
    private Start start(OperationSpec op, @Nullable Object key, @Nullable Object payload) {
        Call call = resolve(op, key, payload);
        if (call == null) {
            return Start.UNPROTECTED;
        }
        LocalCache.Entry cached = cache == null ? null : cache.get(call.id);
        if (cached != null) {
            if (cached.record().fingerprint().equals(call.fingerprint)) {
                Object shared = cached.sharedValue(op.resultType());
                if (shared != LocalCache.NOT_DECODED) {
                    debug("Replayed from the local cache", call);
                    notify(() -> listener.onReplayed(call.event(), ReplaySource.LOCAL_CACHE));
                    return Start.replayed(call, shared, ReplaySource.LOCAL_CACHE);
                }
            }
            Object value = replay(call, cached.record(), ReplaySource.LOCAL_CACHE);
            cached.share(op.resultType(), value);
            return Start.replayed(call, value, ReplaySource.LOCAL_CACHE);
        }
        Instant waitDeadline = null;
        while (true) {
            // Stores keep leases in whole milliseconds: decide with the same precision they keep.
            Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
            IdempotencyRecord claim = newClaim(call, now);
            ClaimResult result = claim(call, claim, now);
            if (result == null) {
                return Start.UNPROTECTED;
            }
            if (result.isClaimed()) {
                debug("Claimed", call);
                return new Start(call, claim, null, null);
            }
            IdempotencyRecord existing = result.existing();
            if (existing.status() != RecordStatus.IN_PROGRESS || !existing.fingerprint().equals(call.fingerprint)) {
                return Start.replayed(call, replay(call, existing, ReplaySource.STORE), ReplaySource.STORE);
            }
            if (waitDeadline == null) {
                waitDeadline = plusSaturating(now, config.waitTimeout());
            }
            IdempotencyRecord outcome = awaitOutcome(call, existing, now, waitDeadline);
            if (outcome != null) {
                return Start.replayed(call, replay(call, outcome, ReplaySource.STORE), ReplaySource.STORE);
            }
        }
    }

    // --- the steps ---

    private @Nullable Call resolve(OperationSpec op, @Nullable Object key, @Nullable Object payload) {
        String keyText;
        try {
            keyText = canonical.key(key);
        } catch (RuntimeException e) {
            throw new IdempotencyKeyException(op.namespace(), "Cannot read the idempotency key of "
                    + op.description() + " (namespace " + op.namespace() + "): " + Messages.causeType(e)
                    + ". Use a key of a simple type (String, number, UUID) or one Jackson can write.", e);
        }
        if (keyText == null) {
            if (config.missingKeyPolicy() == MissingKeyPolicy.RUN_UNPROTECTED) {
                log.warn("No idempotency key for {} (namespace {}): running without protection, as configured",
                        op.description(), op.namespace());
                return null;
            }
            throw new IdempotencyKeyException(op.namespace(), "No idempotency key for " + op.description()
                    + " (namespace " + op.namespace() + "): the key was null or blank. Pass a key (mark a parameter"
                    + " with @IdempotencyKey, set @Idempotent(key = ...), or choose a keyStrategy); the body did"
                    + " not run.", null);
        }
        String fingerprint;
        try {
            fingerprint = canonical.fingerprint(payload);
        } catch (RuntimeException e) {
            throw new IdempotencyKeyException(op.namespace(), "Cannot fingerprint the payload of "
                    + op.description() + " (namespace " + op.namespace() + "): " + Messages.causeType(e)
                    + ". Pass a payload Jackson can write (the arguments that define the request); the body did"
                    + " not run.", e);
        }
        String id = op.namespace() + "#" + Hashing.sha256(keyText);
        return new Call(op, id, fingerprint);
    }

    private IdempotencyRecord newClaim(Call call, Instant now) {
        return IdempotencyRecord.inProgress(call.id, call.fingerprint, newClaimToken(),
                retainUntil(now, call.op.ttl()), now.plus(call.op.lease()));
    }

    /**
     * A fresh fencing token. It must only be unique, not secret (whoever can read it can write the store anyway), so
     * 128 bits from {@link ThreadLocalRandom} do, without {@code UUID.randomUUID()}'s read of the OS entropy source.
     */
    private static String newClaimToken() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return new UUID(random.nextLong(), random.nextLong()).toString();
    }

    /** Claims the key; {@code null} means the store failed and the call runs unprotected, as configured. */
    private @Nullable ClaimResult claim(Call call, IdempotencyRecord claim, Instant now) {
        ClaimResult result;
        try {
            result = attempt(CLAIM_ATTEMPTS, call, StoreOperation.CLAIM, () -> store.claim(claim, now));
        } catch (RuntimeException e) {
            IdempotencyStoreException failure = storeFailure(call, "claim", e);
            if (config.storeFailurePolicy() == StoreFailurePolicy.RUN_UNPROTECTED) {
                log.warn("Idempotency store failed for {} (record {}): running without protection, as configured",
                        call.op.description(), call.id, e);
                return null;
            }
            throw failure;
        }
        if (!result.isClaimed() && result.existing().claimToken().equals(claim.claimToken())) {
            // An attempt that looked failed had written our claim: the key is ours.
            return ClaimResult.claimed();
        }
        return result;
    }

    private void settleSuccess(Call call, IdempotencyRecord claim, @Nullable Object value) {
        byte[] result;
        Throwable notKept = null;
        String whyNotKept = null;
        if (call.op.voidResult()) {
            result = NO_BYTES;
        } else {
            try {
                result = serializer.serialize(value, call.op.resultType());
                int limit = store.maxResultBytes();
                if (result.length > limit) {
                    whyNotKept = "the result is " + result.length + " bytes, above the store's limit of " + limit
                            + " bytes";
                    notKept = new IllegalStateException(whyNotKept);
                    result = null;
                }
            } catch (RuntimeException e) {
                // The serializer's own message may quote the result (Jackson's names the path through map keys).
                whyNotKept = "the serializer failed with " + e.getClass().getSimpleName() + " (its message is not"
                        + " logged, since it may quote the result; listeners get the exception)";
                notKept = e;
                result = null;
            }
        }
        Settle settle = new Settle(call, claim);
        try {
            Instant now = clock.instant();
            IdempotencyRecord done = claim.finish(RecordStatus.COMPLETED, result, retainUntil(now, call.op.ttl()));
            if (finish(call, done, settle)) {
                cacheWhenDurable(call, done, result != null ? call.op.shareableType() : null,
                        LocalCache.NOT_DECODED, now);
            }
        } finally {
            settle.end();
        }
        if (notKept != null) {
            Throwable reason = notKept;
            log.error("The result of {} (record {}) could not be kept as {}: {}. The caller got it, but duplicates"
                    + " will get IdempotencyReplayException instead of a replay. Make the return type"
                    + " serializable, or smaller.", call.op.description(), call.id,
                    call.op.resultType().getTypeName(), whyNotKept);
            notify(() -> listener.onResultNotKept(call.event(), reason));
        }
        debug("Completed", call);
        notify(() -> listener.onExecuted(call.event()));
    }

    /** Keeps a final exception, or releases the key; returns which the call's outcome is. */
    private CallOutcome settleFailure(Call call, IdempotencyRecord claim, Throwable failure) {
        Settle settle = new Settle(call, claim);
        try {
            if (call.op.isFinal(failure)) {
                byte[] kept = failures.encode(failure, call.op.finalExceptions());
                int limit = store.maxResultBytes();
                String whyNotKept = null;
                if (kept.length > limit) {
                    // Finished without it, like a result too large: the store would refuse the record every time,
                    // and once the lease ended the body would run again.
                    whyNotKept = "the kept exception is " + kept.length + " bytes, above the store's limit of "
                            + limit + " bytes";
                    kept = null;
                }
                IdempotencyRecord done =
                        claim.finish(RecordStatus.FAILED, kept, retainUntil(clock.instant(), call.op.ttl()));
                if (finish(call, done, settle)) {
                    debug("Kept the final exception " + failure.getClass().getName() + " of", call);
                    notify(() -> listener.onFailureKept(call.event(), failure));
                }
                if (whyNotKept != null) {
                    Throwable reason = new IllegalStateException(whyNotKept);
                    log.error("The final exception {} of {} (record {}) could not be kept: {}. The caller got it, but"
                            + " duplicates will get IdempotencyReplayException instead. Shorten its message.",
                            failure.getClass().getName(), call.op.description(), call.id, whyNotKept);
                    notify(() -> listener.onResultNotKept(call.event(), reason));
                }
                return CallOutcome.FAILURE_KEPT;
            }
            release(call, claim, settle, failure);
            return CallOutcome.FAILED;
        } finally {
            settle.end();
        }
    }

    /**
     * Writes a finished record. A completion lost here lets the body run again once the lease ends, so transient
     * failures are retried within the settle budget, and a refusal is checked with one read: a request whose
     * response was lost (and that a client retried) may have written the record already. {@code false} when the
     * lease was lost or the store kept failing (both reported).
     */
    private boolean finish(Call call, IdempotencyRecord done, Settle settle) {
        Boolean written;
        RuntimeException failure = null;
        try {
            written = settle.attempt(COMPLETE_ATTEMPTS, StoreOperation.COMPLETE, () -> store.complete(done));
        } catch (RuntimeException e) {
            written = null;
            failure = e;
        }
        if (Boolean.TRUE.equals(written) || isRecorded(done, settle, written != null)) {
            return true;
        }
        if (failure == null) {
            leaseLost(call);
        } else {
            log.error("Could not complete record {} of {}: the caller gets its result, but a duplicate may run the"
                    + " body again once the lease ends", call.id, call.op.description(), failure);
            storeFailure(call, "complete", failure);
        }
        return false;
    }

    /**
     * Whether the store holds {@code done}: our claim token, finished with its status. False when it cannot tell.
     * After a refusal (the store answered) the read is made even past the budget: it only decides what is reported.
     */
    private boolean isRecorded(IdempotencyRecord done, Settle settle, boolean refused) {
        return settle.holds(done.id(), refused,
                r -> r.claimToken().equals(done.claimToken()) && r.status() == done.status());
    }

    /** Deletes the claim so that a retry runs the body again; a refusal is checked as for a completion. */
    private void release(Call call, IdempotencyRecord claim, Settle settle, Throwable bodyFailure) {
        Boolean released;
        RuntimeException failure = null;
        try {
            released = settle.attempt(RELEASE_ATTEMPTS, StoreOperation.RELEASE,
                    () -> store.release(call.id, claim.claimToken()));
        } catch (RuntimeException e) {
            released = null;
            failure = e;
        }
        if (Boolean.TRUE.equals(released) || isReleased(claim, settle, released != null)) {
            debug("Released, after the body threw " + bodyFailure.getClass().getName() + ",", call);
            notify(() -> listener.onReleased(call.event(), bodyFailure));
        } else if (failure == null) {
            leaseLost(call);
        } else {
            log.error("Could not release record {} of {} after the body threw; a retry can run once its lease"
                    + " ends at {}", call.id, call.op.description(), claim.leaseExpiresAt(), failure);
            storeFailure(call, "release", failure);
        }
    }

    /**
     * Whether our claim is gone: no record, or one claimed by another call while our lease still ran, which can
     * only follow our own release. False when it cannot tell.
     */
    private boolean isReleased(IdempotencyRecord claim, Settle settle, boolean refused) {
        Instant leaseEnd = claim.leaseExpiresAt();
        return settle.isAbsentOr(claim.id(), refused, r -> !r.claimToken().equals(claim.claimToken())
                && leaseEnd != null && clock.instant().isBefore(leaseEnd));
    }

    /**
     * Runs a store operation of a claim, retrying a failure once after a short pause unless the caller was
     * interrupted (the interrupt flag is kept); rethrows the last failure.
     */
    private <R> R attempt(int attempts, Call call, StoreOperation name, Supplier<R> operation) {
        RuntimeException last = null;
        for (int i = 0; i < attempts; i++) {
            if (i > 0 && !pause(RETRY_BACKOFF_MILLIS << (i - 1))) {
                break;
            }
            try {
                return timed(call, name, operation);
            } catch (RuntimeException e) {
                last = e;
            }
        }
        throw last;
    }

    /** One store request, timed for listeners that keep store timers. */
    private <R> R timed(Call call, StoreOperation name, Supplier<R> operation) {
        if (listener == IdempotencyListener.NO_OP) {
            return operation.get();
        }
        long start = System.nanoTime();
        boolean failed = true;
        try {
            R result = operation.get();
            failed = false;
            return result;
        } finally {
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            boolean failure = failed;
            notify(() -> listener.onStoreRequest(call.op.namespace(), name, took, failure));
        }
    }

    /** Sleeps; {@code false} (with the interrupt flag kept) when interrupted. */
    private static boolean pause(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void leaseLost(Call call) {
        log.warn("{} (record {}) ran longer than its lease of {} and another call took the key over: its outcome"
                + " was not recorded. Raise the lease above the longest run.", call.op.description(), call.id,
                call.op.lease());
        notify(() -> listener.onLeaseLost(call.event()));
    }

    /**
     * Waits for a running call: returns its finished record, or {@code null} when the key can be claimed again
     * (the record went away or its lease ran out).
     */
    private @Nullable IdempotencyRecord awaitOutcome(Call call, IdempotencyRecord running, Instant now,
            Instant deadline) {
        if (call.op.inProgress() == InProgressPolicy.REJECT) {
            throw inProgress(call, running, now);
        }
        long backoffMillis = saturatedMillis(config.waitInitialBackoff());
        IdempotencyRecord seen = running;
        while (true) {
            Instant current = clock.instant();
            if (!current.isBefore(deadline)) {
                throw inProgress(call, seen, current);
            }
            long jittered = backoffMillis / 2 + ThreadLocalRandom.current().nextLong(backoffMillis / 2 + 1);
            long pause = Math.max(1, Math.min(jittered, millisBetween(current, deadline)));
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw inProgress(call, seen, clock.instant());
            }
            backoffMillis = Math.min(backoffMillis > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : backoffMillis * 2,
                    saturatedMillis(config.waitMaxBackoff()));
            Optional<IdempotencyRecord> found;
            try {
                found = attempt(FIND_ATTEMPTS, call, StoreOperation.FIND, () -> store.find(call.id));
            } catch (RuntimeException e) {
                throw storeFailure(call, "read", e);
            }
            Instant after = clock.instant();
            if (found.isEmpty() || found.get().isClaimable(after)) {
                return null;
            }
            seen = found.get();
            if (seen.status() != RecordStatus.IN_PROGRESS) {
                return seen;
            }
        }
    }

    @SuppressWarnings("unchecked")
    private <T> T replay(Call call, IdempotencyRecord record, ReplaySource source) {
        OperationSpec op = call.op;
        if (!record.fingerprint().equals(call.fingerprint)) {
            debug("Refused another payload for", call);
            notify(() -> listener.onPayloadMismatch(call.event()));
            throw new IdempotencyPayloadMismatchException(op.namespace(), call.id, record.status(),
                    "The idempotency key of " + op.description() + " (namespace " + op.namespace() + ", record "
                            + call.id + ") was used before with a different payload. Use a new key for a new"
                            + " request; the body did not run.");
        }
        byte[] result = record.result();
        if (record.status() == RecordStatus.FAILED) {
            if (result == null) {
                throw new IdempotencyReplayException(op.namespace(), call.id, "The first call of "
                        + op.description() + " (record " + call.id + ") failed with a final exception, but it was"
                        + " not kept: its kept form was above the store's limit of " + store.maxResultBytes()
                        + " bytes. The body did not run again; the record expires at " + record.expiresAt()
                        + ", or delete it from the store to let the key run.");
            }
            Throwable rebuilt;
            try {
                rebuilt = failures.decode(result, op);
            } catch (FailureCodec.UnreadableFailureException e) {
                throw new IdempotencyReplayException(op.namespace(), call.id, "The first call of "
                        + op.description() + " (record " + call.id + ") failed with a kept exception, but the record"
                        + " cannot be replayed: " + e.getMessage() + ". The body did not run again; the record"
                        + " expires at " + record.expiresAt() + ", or delete it from the store to let the key run.",
                        e.getCause());
            }
            debug(source == ReplaySource.STORE ? "Replayed from the store" : "Replayed from the local cache", call);
            notify(() -> listener.onReplayed(call.event(), source));
            throw Engine.<RuntimeException>sneaky(rebuilt);
        }
        if (result == null) {
            throw new IdempotencyReplayException(op.namespace(), call.id, "The first call of " + op.description()
                    + " (record " + call.id + ") ran and completed, but its result was not kept (it could not be"
                    + " serialized, or was too large for the store), so it cannot be replayed. The body did not"
                    + " run again.");
        }
        Object value = null;
        if (!op.voidResult()) {
            try {
                value = serializer.deserialize(result, op.resultType());
            } catch (RuntimeException e) {
                throw new IdempotencyReplayException(op.namespace(), call.id, "The kept result of "
                        + op.description() + " (record " + call.id + ") cannot be read as "
                        + op.resultType().getTypeName() + ": " + Messages.causeType(e)
                        + ". Did the return type change? The body did not run again.", e);
            }
        }
        if (source == ReplaySource.STORE) {
            // A completion read back from the store may belong to a transaction that has not committed yet.
            cacheWhenDurable(call, record, op.shareableType(), value, clock.instant());
        }
        debug(source == ReplaySource.STORE ? "Replayed from the store" : "Replayed from the local cache", call);
        notify(() -> listener.onReplayed(call.event(), source));
        return (T) value;
    }

    private IdempotencyInProgressException inProgress(Call call, IdempotencyRecord running, Instant now) {
        Instant leaseEnd = running.leaseExpiresAt();
        Duration left = leaseEnd == null ? Duration.ZERO : Duration.between(now, leaseEnd);
        Duration timeLeft = left.isNegative() ? Duration.ZERO : left;
        debug("Rejected, while another call runs,", call);
        notify(() -> listener.onRejectedInProgress(call.event(), timeLeft));
        return new IdempotencyInProgressException(call.op.namespace(), call.id, timeLeft, "Another call of "
                + call.op.description() + " with the same key (record " + call.id + ") is still running; its lease"
                + " ends in " + timeLeft.toMillis() + " ms. Retry after that, or wait for it (InProgressPolicy.WAIT).");
    }

    private IdempotencyStoreException storeFailure(Call call, String action, RuntimeException cause) {
        IdempotencyStoreException failure = new IdempotencyStoreException(call.op.namespace(), call.id,
                "The idempotency store failed to " + action + " record " + call.id + " of " + call.op.description()
                        + ": " + cause.getMessage(), cause);
        notify(() -> listener.onStoreFailure(call.event(), failure));
        return failure;
    }

    /**
     * Caches a completed record in this JVM once the store says it is durable. A store that cannot say (it throws)
     * leaves it uncached: the caller still gets its answer, and duplicates read the store.
     */
    private void cacheWhenDurable(Call call, IdempotencyRecord record, @Nullable Type shareable,
            @Nullable Object decoded, Instant now) {
        if (cache == null) {
            return;
        }
        LocalCache local = cache;
        try {
            store.whenDurable(record, () -> local.put(record, shareable, decoded, now));
        } catch (RuntimeException e) {
            log.warn("The idempotency store could not say when record {} of {} is durable ({}), so it is not"
                    + " cached in this JVM; duplicates read the store", call.id, call.op.description(),
                    Messages.causeType(e), e);
        }
    }

    /** One DEBUG line per step of a call, naming the record by its hash, never the key. */
    private static void debug(String step, Call call) {
        if (log.isDebugEnabled()) {
            log.debug("{} {} (record {})", step, call.op.description(), call.id);
        }
    }

    private void notify(Runnable notification) {
        if (listener == IdempotencyListener.NO_OP) {
            return;
        }
        try {
            notification.run();
        } catch (RuntimeException e) {
            log.warn("An IdempotencyListener threw; ignored", e);
        }
    }

    /** The milliseconds from {@code from} to {@code to}, or {@link Long#MAX_VALUE} for a deadline without bound. */
    private static long millisBetween(Instant from, Instant to) {
        return saturatedMillis(Duration.between(from, to));
    }

    private static long saturatedMillis(Duration duration) {
        try {
            return duration.toMillis();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** {@code instant + duration}, or the farthest instant for a duration without a practical bound. */
    private static Instant plusSaturating(Instant instant, Duration duration) {
        try {
            return instant.plus(duration);
        } catch (ArithmeticException | DateTimeException e) {
            return Instant.MAX;
        }
    }

    /** The retention end in whole seconds, rounded up: stores keep epoch seconds, and a record never ends early. */
    private static Instant retainUntil(Instant now, Duration ttl) {
        Instant end = now.plus(ttl);
        return end.getNano() == 0 ? end : Instant.ofEpochSecond(end.getEpochSecond() + 1);
    }

    @SuppressWarnings("unchecked")
    private static <X extends Throwable> X sneaky(Throwable t) throws X {
        throw (X) t;
    }

    /**
     * One settle step: recording the outcome of a body that finished. It must not depend on the caller's interrupt
     * state (store clients abort the requests of an interrupted thread, and a lost completion lets the body run
     * again once the lease ends), so the flag is cleared for its requests and set again at the end. It has a
     * budget: no request starts after the settle timeout or the lease's end, whichever comes first, but for the
     * first try of the write itself.
     */
    private final class Settle {

        private final Call call;
        private final Instant deadline;
        private boolean interrupted;

        Settle(Call call, IdempotencyRecord claim) {
            this.call = call;
            interrupted = Thread.interrupted();
            Instant budgetEnd = plusSaturating(clock.instant(), config.settleTimeout());
            Instant leaseEnd = claim.leaseExpiresAt();
            deadline = leaseEnd != null && leaseEnd.isBefore(budgetEnd) ? leaseEnd : budgetEnd;
        }

        /** Runs {@code operation}, retrying a failure with a short doubling pause while the budget lasts. */
        <R> R attempt(int attempts, StoreOperation name, Supplier<R> operation) {
            RuntimeException last = null;
            for (int i = 0; i < attempts; i++) {
                if (i > 0 && !pauseWithinBudget(RETRY_BACKOFF_MILLIS << (i - 1))) {
                    break;
                }
                interrupted |= Thread.interrupted();
                try {
                    return timed(call, name, operation);
                } catch (RuntimeException e) {
                    last = e;
                }
            }
            throw last;
        }

        /** Whether record {@code id} could be read (within the budget, unless not held to it) and passes {@code test}. */
        boolean holds(String id, boolean pastBudget, Predicate<IdempotencyRecord> test) {
            Optional<IdempotencyRecord> found = read(id, pastBudget);
            return found != null && found.filter(test).isPresent();
        }

        /** Whether record {@code id} could be read, and is absent or passes {@code test}. */
        boolean isAbsentOr(String id, boolean pastBudget, Predicate<IdempotencyRecord> test) {
            Optional<IdempotencyRecord> found = read(id, pastBudget);
            return found != null && (found.isEmpty() || test.test(found.get()));
        }

        /** The record, or {@code null} when it could not be read (within the budget, unless {@code pastBudget}). */
        private @Nullable Optional<IdempotencyRecord> read(String id, boolean pastBudget) {
            if (!pastBudget && !clock.instant().isBefore(deadline)) {
                return null;
            }
            try {
                return attempt(FIND_ATTEMPTS, StoreOperation.FIND, () -> store.find(id));
            } catch (RuntimeException e) {
                return null;
            }
        }

        /** Sleeps {@code millis}, but not past the deadline, and through interrupts; false once the budget is spent. */
        private boolean pauseWithinBudget(long millis) {
            Instant now = clock.instant();
            if (!now.isBefore(deadline)) {
                return false;
            }
            long nanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1, Math.min(millis, millisBetween(now, deadline))));
            long end = System.nanoTime() + nanos;
            for (long left = nanos; left > 0; left = end - System.nanoTime()) {
                try {
                    TimeUnit.NANOSECONDS.sleep(left);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            return true;
        }

        /** Sets the interrupt flag again if the caller's thread was interrupted before or during the step. */
        void end() {
            if (interrupted | Thread.interrupted()) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** One resolved call: its operation, record id and fingerprint. */
    private record Call(OperationSpec op, String id, String fingerprint) {

        IdempotencyEvent event() {
            return new IdempotencyEvent(op.namespace(), id);
        }
    }

    /**
     * How a call starts: claimed ({@code claim} set: run the body), replayed ({@code call} set, {@code claim} null),
     * or unprotected (neither).
     */
    private record Start(@Nullable Call call, @Nullable IdempotencyRecord claim, @Nullable Object replayed,
            @Nullable ReplaySource source) {

        static final Start UNPROTECTED = new Start(null, null, null, null);

        static Start replayed(Call call, @Nullable Object value, ReplaySource source) {
            return new Start(call, null, value, source);
        }

        /** The outcome of a start that needs no body of ours: unprotected, or replayed. */
        CallOutcome outcome() {
            if (call == null) {
                return CallOutcome.UNPROTECTED;
            }
            return source == ReplaySource.LOCAL_CACHE
                    ? CallOutcome.REPLAYED_FROM_CACHE : CallOutcome.REPLAYED_FROM_STORE;
        }
    }
}

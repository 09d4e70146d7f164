package dev.idempotency.testing;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.idempotency.store.ClaimResult;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.IdempotencyStore;

/**
 * A decorator that fails chosen operations of a real store, as an unreachable store would, for the faults a real
 * store cannot produce on demand.
 */
public final class FailingIdempotencyStore implements IdempotencyStore {

    /** The operations that can be made to fail. */
    public enum Operation { CLAIM, COMPLETE, RELEASE, FIND }

    private final IdempotencyStore delegate;
    private final Set<Operation> failing = ConcurrentHashMap.newKeySet();

    public FailingIdempotencyStore(IdempotencyStore delegate) {
        this.delegate = delegate;
    }

    public void fail(Operation... operations) {
        failing.addAll(Set.of(operations));
    }

    public void heal() {
        failing.clear();
    }

    private void maybeFail(Operation operation) {
        if (failing.contains(operation)) {
            throw new IllegalStateException("store unreachable (simulated " + operation + " failure)");
        }
    }

    @Override
    public ClaimResult claim(IdempotencyRecord record, Instant now) {
        maybeFail(Operation.CLAIM);
        return delegate.claim(record, now);
    }

    @Override
    public boolean complete(IdempotencyRecord finished) {
        maybeFail(Operation.COMPLETE);
        return delegate.complete(finished);
    }

    @Override
    public boolean release(String id, String claimToken) {
        maybeFail(Operation.RELEASE);
        return delegate.release(id, claimToken);
    }

    @Override
    public Optional<IdempotencyRecord> find(String id) {
        maybeFail(Operation.FIND);
        return delegate.find(id);
    }

    @Override
    public int maxResultBytes() {
        return delegate.maxResultBytes();
    }
}

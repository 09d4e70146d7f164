package dev.idempotency.testing;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import dev.idempotency.store.ClaimResult;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.IdempotencyStore;

/** A decorator that counts the operations a real store receives, for exact round-trip assertions. */
public final class CountingIdempotencyStore implements IdempotencyStore {

    private final IdempotencyStore delegate;
    private final AtomicInteger claims = new AtomicInteger();
    private final AtomicInteger completes = new AtomicInteger();
    private final AtomicInteger releases = new AtomicInteger();
    private final AtomicInteger finds = new AtomicInteger();

    public CountingIdempotencyStore(IdempotencyStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public ClaimResult claim(IdempotencyRecord record, Instant now) {
        claims.incrementAndGet();
        return delegate.claim(record, now);
    }

    @Override
    public boolean complete(IdempotencyRecord finished) {
        completes.incrementAndGet();
        return delegate.complete(finished);
    }

    @Override
    public boolean release(String id, String claimToken) {
        releases.incrementAndGet();
        return delegate.release(id, claimToken);
    }

    @Override
    public Optional<IdempotencyRecord> find(String id) {
        finds.incrementAndGet();
        return delegate.find(id);
    }

    @Override
    public int maxResultBytes() {
        return delegate.maxResultBytes();
    }

    /** Forwarded, so that a transactional store keeps deciding when its completions may be cached. */
    @Override
    public void whenDurable(IdempotencyRecord finished, Runnable action) {
        delegate.whenDurable(finished, action);
    }

    public int claims() {
        return claims.get();
    }

    public int completes() {
        return completes.get();
    }

    public int releases() {
        return releases.get();
    }

    public int finds() {
        return finds.get();
    }

    /** Every operation the store received. */
    public int total() {
        return claims() + completes() + releases() + finds();
    }

    public void reset() {
        claims.set(0);
        completes.set(0);
        releases.set(0);
        finds.set(0);
    }
}

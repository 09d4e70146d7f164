package dev.idempotency.testing;

import java.time.Instant;
import java.util.Optional;

import dev.idempotency.store.ClaimResult;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.IdempotencyStore;

/**
 * A decorator whose completions and releases behave as a client's retry of a request whose response was lost: the
 * first request takes effect, the retry fails its condition, and the caller sees only the retry's "not ours". The
 * record is in fact ours, completed or released.
 */
public final class LostResponseStore implements IdempotencyStore {

    private final IdempotencyStore delegate;

    public LostResponseStore(IdempotencyStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public ClaimResult claim(IdempotencyRecord record, Instant now) {
        return delegate.claim(record, now);
    }

    @Override
    public boolean complete(IdempotencyRecord finished) {
        delegate.complete(finished);
        return delegate.complete(finished);
    }

    @Override
    public boolean release(String id, String claimToken) {
        delegate.release(id, claimToken);
        return delegate.release(id, claimToken);
    }

    @Override
    public Optional<IdempotencyRecord> find(String id) {
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
}

package dev.idempotency.testing;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import dev.idempotency.store.ClaimResult;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.IdempotencyStore;

/**
 * A decorator that refuses every request of an interrupted thread, as network clients do (the AWS SDK aborts the
 * request, Lettuce's synchronous API throws): the engine must not let the caller's interrupt state decide whether an
 * outcome is recorded. The interrupt flag is left as it is.
 */
public final class InterruptSensitiveStore implements IdempotencyStore {

    private final IdempotencyStore delegate;
    private final AtomicInteger refused = new AtomicInteger();

    public InterruptSensitiveStore(IdempotencyStore delegate) {
        this.delegate = delegate;
    }

    /** How many requests were refused because the calling thread was interrupted. */
    public int refused() {
        return refused.get();
    }

    private void refuseIfInterrupted() {
        if (Thread.currentThread().isInterrupted()) {
            refused.incrementAndGet();
            throw new IllegalStateException("request aborted: the calling thread is interrupted");
        }
    }

    @Override
    public ClaimResult claim(IdempotencyRecord record, Instant now) {
        refuseIfInterrupted();
        return delegate.claim(record, now);
    }

    @Override
    public boolean complete(IdempotencyRecord finished) {
        refuseIfInterrupted();
        return delegate.complete(finished);
    }

    @Override
    public boolean release(String id, String claimToken) {
        refuseIfInterrupted();
        return delegate.release(id, claimToken);
    }

    @Override
    public Optional<IdempotencyRecord> find(String id) {
        refuseIfInterrupted();
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

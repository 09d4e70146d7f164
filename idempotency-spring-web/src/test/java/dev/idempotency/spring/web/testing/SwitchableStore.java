package dev.idempotency.spring.web.testing;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.idempotency.store.ClaimResult;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.IdempotencyStore;

/** A store that can be taken down: then every operation fails, as an unreachable database's would. */
public final class SwitchableStore implements IdempotencyStore {

    private final IdempotencyStore delegate;
    private final AtomicBoolean down = new AtomicBoolean();

    public SwitchableStore(IdempotencyStore delegate) {
        this.delegate = delegate;
    }

    public void down(boolean isDown) {
        down.set(isDown);
    }

    private void check() {
        if (down.get()) {
            throw new IllegalStateException("the store is down (test)");
        }
    }

    @Override
    public ClaimResult claim(IdempotencyRecord record, Instant now) {
        check();
        return delegate.claim(record, now);
    }

    @Override
    public boolean complete(IdempotencyRecord finished) {
        check();
        return delegate.complete(finished);
    }

    @Override
    public boolean release(String id, String claimToken) {
        check();
        return delegate.release(id, claimToken);
    }

    @Override
    public Optional<IdempotencyRecord> find(String id) {
        check();
        return delegate.find(id);
    }

    @Override
    public int maxResultBytes() {
        return delegate.maxResultBytes();
    }
}

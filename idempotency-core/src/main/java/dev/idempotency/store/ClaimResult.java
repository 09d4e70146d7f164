package dev.idempotency.store;

import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * The outcome of {@link IdempotencyStore#claim}: either the caller now owns the key, or another record stands in
 * the way and is handed back. Contention is a value, not an exception.
 */
public final class ClaimResult {

    private static final ClaimResult CLAIMED = new ClaimResult(null);

    private final @Nullable IdempotencyRecord existing;

    private ClaimResult(@Nullable IdempotencyRecord existing) {
        this.existing = existing;
    }

    /** The claim succeeded: the caller's {@code IN_PROGRESS} record was written. */
    public static ClaimResult claimed() {
        return CLAIMED;
    }

    /** The claim failed because {@code existing} (a live record) holds the key. */
    public static ClaimResult conflict(IdempotencyRecord existing) {
        return new ClaimResult(Objects.requireNonNull(existing, "existing must not be null"));
    }

    public boolean isClaimed() {
        return existing == null;
    }

    /**
     * The record that holds the key.
     *
     * @throws IllegalStateException when the claim succeeded
     */
    public IdempotencyRecord existing() {
        if (existing == null) {
            throw new IllegalStateException("the claim succeeded: there is no existing record");
        }
        return existing;
    }

    @Override
    public String toString() {
        return existing == null ? "ClaimResult[claimed]" : "ClaimResult[conflict " + existing + "]";
    }
}

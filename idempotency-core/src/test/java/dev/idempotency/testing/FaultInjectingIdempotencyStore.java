package dev.idempotency.testing;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import dev.idempotency.store.ClaimResult;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.IdempotencyStore;

/**
 * A decorator that injects the faults a real store cannot produce on demand: chosen operations fail with a
 * probability or on the n-th call, either <em>before</em> the operation reaches the store (nothing happened) or
 * <em>after</em> it took effect (an acknowledged write that looks failed, the nasty case), and every operation may
 * be slowed down. Use it around your own store too.
 *
 * <pre>{@code
 * FaultInjectingIdempotencyStore faulty = FaultInjectingIdempotencyStore.builder(store)
 *         .failing(Operation.CLAIM, Operation.COMPLETE).probability(0.1).timing(Timing.EITHER).seed(42).build();
 * }</pre>
 *
 * <p>Thread-safe. {@link #disableFaults()} stops injecting (latency stays), for the recovery phase of a test.
 */
public final class FaultInjectingIdempotencyStore implements IdempotencyStore {

    /** The store operations a fault can hit. */
    public enum Operation { CLAIM, COMPLETE, RELEASE, FIND }

    /** When an injected fault strikes. */
    public enum Timing {
        /** Before the store sees the operation: nothing happened. */
        BEFORE,
        /** After the operation took effect: it happened, but the caller sees a failure. */
        AFTER,
        /** Before or after, at random. */
        EITHER
    }

    /** What an injected fault throws. */
    public static final class InjectedFault extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InjectedFault(Operation operation, boolean tookEffect) {
            super("injected " + operation + " fault (" + (tookEffect ? "after it took effect" : "before the store")
                    + ")");
        }
    }

    private final IdempotencyStore delegate;
    private final Set<Operation> failing;
    private final double probability;
    private final int everyNth;
    private final Timing timing;
    private final Duration latency;
    private final Random random;
    private final int maxFaults;
    private final AtomicInteger injected = new AtomicInteger();
    private final Map<Operation, AtomicInteger> calls = new EnumMap<>(Operation.class);
    private final Map<Operation, AtomicInteger> faults = new EnumMap<>(Operation.class);
    private volatile boolean enabled = true;

    private FaultInjectingIdempotencyStore(Builder b) {
        this.delegate = b.delegate;
        this.failing = EnumSet.copyOf(b.failing);
        this.probability = b.probability;
        this.everyNth = b.everyNth;
        this.timing = b.timing;
        this.latency = b.latency;
        this.random = new Random(b.seed);
        this.maxFaults = b.maxFaults;
        for (Operation operation : Operation.values()) {
            calls.put(operation, new AtomicInteger());
            faults.put(operation, new AtomicInteger());
        }
    }

    public static Builder builder(IdempotencyStore delegate) {
        return new Builder(delegate);
    }

    /** Stops injecting faults; latency stays. */
    public void disableFaults() {
        enabled = false;
    }

    public void enableFaults() {
        enabled = true;
    }

    /** How many faults were injected into {@code operation}. */
    public int faults(Operation operation) {
        return faults.get(operation).get();
    }

    /** How many faults were injected in all. */
    public int faults() {
        return faults.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    @Override
    public ClaimResult claim(IdempotencyRecord record, Instant now) {
        return run(Operation.CLAIM, () -> delegate.claim(record, now));
    }

    @Override
    public boolean complete(IdempotencyRecord finished) {
        return run(Operation.COMPLETE, () -> delegate.complete(finished));
    }

    @Override
    public boolean release(String id, String claimToken) {
        return run(Operation.RELEASE, () -> delegate.release(id, claimToken));
    }

    @Override
    public Optional<IdempotencyRecord> find(String id) {
        return run(Operation.FIND, () -> delegate.find(id));
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

    private <R> R run(Operation operation, Supplier<R> call) {
        if (!latency.isZero()) {
            try {
                Thread.sleep(latency.toMillis(), latency.toNanosPart() % 1_000_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        int n = calls.get(operation).incrementAndGet();
        boolean fault = enabled && failing.contains(operation) && strikes(n) && withinMaxFaults();
        if (!fault) {
            return call.get();
        }
        faults.get(operation).incrementAndGet();
        boolean after = timing == Timing.AFTER || timing == Timing.EITHER && nextBoolean();
        if (after) {
            call.get();
        }
        throw new InjectedFault(operation, after);
    }

    /** Counts a fault about to be injected, unless that would exceed {@code maxFaults}. */
    private boolean withinMaxFaults() {
        return injected.getAndUpdate(count -> count < maxFaults ? count + 1 : count) < maxFaults;
    }

    private boolean strikes(int n) {
        if (everyNth > 0) {
            return n % everyNth == 0;
        }
        synchronized (random) {
            return random.nextDouble() < probability;
        }
    }

    private boolean nextBoolean() {
        synchronized (random) {
            return random.nextBoolean();
        }
    }

    /** Builds a {@link FaultInjectingIdempotencyStore}; by default it fails nothing. */
    public static final class Builder {

        private final IdempotencyStore delegate;
        private Set<Operation> failing = EnumSet.noneOf(Operation.class);
        private double probability = 1.0;
        private int everyNth;
        private Timing timing = Timing.BEFORE;
        private Duration latency = Duration.ZERO;
        private long seed = 1;
        private int maxFaults = Integer.MAX_VALUE;

        private Builder(IdempotencyStore delegate) {
            this.delegate = Objects.requireNonNull(delegate, "delegate must not be null");
        }

        /** The operations that fail; none by default. */
        public Builder failing(Operation... operations) {
            this.failing = operations.length == 0 ? EnumSet.noneOf(Operation.class) : EnumSet.of(operations[0],
                    operations);
            return this;
        }

        /** The chance that a call of a failing operation fails; default 1 (every call). */
        public Builder probability(double probability) {
            if (probability < 0 || probability > 1) {
                throw new IllegalArgumentException("probability must be within [0, 1], but was " + probability);
            }
            this.probability = probability;
            return this;
        }

        /** Fails every n-th call of a failing operation instead of failing by probability. */
        public Builder everyNth(int n) {
            if (n <= 0) {
                throw new IllegalArgumentException("n must be positive, but was " + n);
            }
            this.everyNth = n;
            return this;
        }

        /** Injects at most this many faults in all, then lets every call through; default unlimited. */
        public Builder maxFaults(int maxFaults) {
            if (maxFaults < 0) {
                throw new IllegalArgumentException("maxFaults must not be negative, but was " + maxFaults);
            }
            this.maxFaults = maxFaults;
            return this;
        }

        /** When a fault strikes; default {@link Timing#BEFORE}. */
        public Builder timing(Timing timing) {
            this.timing = Objects.requireNonNull(timing, "timing must not be null");
            return this;
        }

        /** A pause before every operation; default none. */
        public Builder latency(Duration latency) {
            this.latency = Objects.requireNonNull(latency, "latency must not be null");
            return this;
        }

        /** The seed of the random faults, for a repeatable run; default 1. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public FaultInjectingIdempotencyStore build() {
            return new FaultInjectingIdempotencyStore(this);
        }
    }
}

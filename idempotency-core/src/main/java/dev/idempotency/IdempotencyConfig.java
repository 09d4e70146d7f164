package dev.idempotency;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * The settings of an {@link Idempotency} instance. Immutable; build with {@link #builder()} or start from
 * {@link #defaults()} and {@link #toBuilder()}. Every default is a {@code DEFAULT_*} constant here, and the README's
 * configuration table lists the same values.
 */
public final class IdempotencyConfig {

    /** How long a completed call is remembered: 24 hours, as Stripe and the IETF draft suggest. */
    public static final Duration DEFAULT_TTL = Duration.ofHours(24);
    /**
     * How long a running call owns its key before another may take over: 60 seconds, or the ttl when that is
     * shorter and no lease was set.
     */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(60);
    /** A duplicate of a running call fails at once. */
    public static final InProgressPolicy DEFAULT_IN_PROGRESS_POLICY = InProgressPolicy.REJECT;
    /** How long a waiting duplicate waits at most: 10 seconds. */
    public static final Duration DEFAULT_WAIT_TIMEOUT = Duration.ofSeconds(10);
    /** The first pause of a waiting duplicate between two reads of the record: 20 milliseconds. */
    public static final Duration DEFAULT_WAIT_INITIAL_BACKOFF = Duration.ofMillis(20);
    /** The longest pause of a waiting duplicate (the pause doubles up to this): 500 milliseconds. */
    public static final Duration DEFAULT_WAIT_MAX_BACKOFF = Duration.ofMillis(500);
    /** Completed records are cached in this JVM. */
    public static final boolean DEFAULT_LOCAL_CACHE_ENABLED = true;
    /** The most completed records the local cache holds: 10,000. */
    public static final long DEFAULT_LOCAL_CACHE_MAX_SIZE = 10_000;
    /** A call without a key is refused. */
    public static final MissingKeyPolicy DEFAULT_MISSING_KEY_POLICY = MissingKeyPolicy.REJECT;
    /** A call whose claim fails in the store is refused. */
    public static final StoreFailurePolicy DEFAULT_STORE_FAILURE_POLICY = StoreFailurePolicy.FAIL_CLOSED;
    /**
     * The longest a call spends recording its outcome (completing or releasing its record, retries and checks
     * included) once the body has finished: 5 seconds, and never past the lease. The caller then gets its result
     * (or the body's exception) and the record is reported as not completed.
     */
    public static final Duration DEFAULT_SETTLE_TIMEOUT = Duration.ofSeconds(5);

    /** The longest ttl: 100 years, which is as good as forever and keeps every store's timestamps in range. */
    public static final Duration MAX_TTL = Duration.ofDays(36_500);

    private static final IdempotencyConfig DEFAULTS = new Builder().build();

    private final Duration ttl;
    private final Duration lease;
    /** Whether the lease was set, rather than taken from the default (then a shorter ttl shortens it). */
    private final boolean leaseSet;
    private final InProgressPolicy inProgressPolicy;
    private final Duration waitTimeout;
    private final Duration waitInitialBackoff;
    private final Duration waitMaxBackoff;
    private final boolean localCacheEnabled;
    private final long localCacheMaxSize;
    private final MissingKeyPolicy missingKeyPolicy;
    private final StoreFailurePolicy storeFailurePolicy;
    private final Duration settleTimeout;
    private final Clock clock;

    private IdempotencyConfig(Builder b) {
        this.ttl = b.ttl;
        this.lease = b.effectiveLease();
        this.leaseSet = b.lease != null;
        this.inProgressPolicy = b.inProgressPolicy;
        this.waitTimeout = b.waitTimeout;
        this.waitInitialBackoff = b.waitInitialBackoff;
        this.waitMaxBackoff = b.waitMaxBackoff;
        this.localCacheEnabled = b.localCacheEnabled;
        this.localCacheMaxSize = b.localCacheMaxSize;
        this.missingKeyPolicy = b.missingKeyPolicy;
        this.storeFailurePolicy = b.storeFailurePolicy;
        this.settleTimeout = b.settleTimeout;
        this.clock = b.clock;
    }

    /** The configuration with every default. */
    public static IdempotencyConfig defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from this configuration's values. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** How long a completed call is remembered (the record's retention); default {@link #DEFAULT_TTL}. */
    public Duration ttl() {
        return ttl;
    }

    /**
     * How long a running call owns its key; default {@link #DEFAULT_LEASE}, or the {@link #ttl()} when that is
     * shorter.
     */
    public Duration lease() {
        return lease;
    }

    /** What a duplicate of a running call does; default {@link #DEFAULT_IN_PROGRESS_POLICY}. */
    public InProgressPolicy inProgressPolicy() {
        return inProgressPolicy;
    }

    /** How long a waiting duplicate waits at most; default {@link #DEFAULT_WAIT_TIMEOUT}. */
    public Duration waitTimeout() {
        return waitTimeout;
    }

    /** The first pause between two reads while waiting; default {@link #DEFAULT_WAIT_INITIAL_BACKOFF}. */
    public Duration waitInitialBackoff() {
        return waitInitialBackoff;
    }

    /** The longest pause between two reads while waiting; default {@link #DEFAULT_WAIT_MAX_BACKOFF}. */
    public Duration waitMaxBackoff() {
        return waitMaxBackoff;
    }

    /** Whether completed records are cached in this JVM; default {@link #DEFAULT_LOCAL_CACHE_ENABLED}. */
    public boolean localCacheEnabled() {
        return localCacheEnabled;
    }

    /** The most records the local cache holds; default {@link #DEFAULT_LOCAL_CACHE_MAX_SIZE}. */
    public long localCacheMaxSize() {
        return localCacheMaxSize;
    }

    /** What a call without a key does; default {@link #DEFAULT_MISSING_KEY_POLICY}. */
    public MissingKeyPolicy missingKeyPolicy() {
        return missingKeyPolicy;
    }

    /** What a call does when its claim fails in the store; default {@link #DEFAULT_STORE_FAILURE_POLICY}. */
    public StoreFailurePolicy storeFailurePolicy() {
        return storeFailurePolicy;
    }

    /**
     * The longest a call spends completing or releasing its record once the body finished, within the lease;
     * default {@link #DEFAULT_SETTLE_TIMEOUT}.
     */
    public Duration settleTimeout() {
        return settleTimeout;
    }

    /** Whether the lease was set, rather than left to follow a shorter ttl: then an operation's ttl must fit it. */
    boolean isLeaseSet() {
        return leaseSet;
    }

    /** Where time comes from: leases, expiry, waits; default {@link Clock#systemUTC()}. */
    public Clock clock() {
        return clock;
    }

    @Override
    public String toString() {
        return "IdempotencyConfig[ttl=" + ttl + ", lease=" + lease + ", inProgressPolicy=" + inProgressPolicy
                + ", waitTimeout=" + waitTimeout + ", waitInitialBackoff=" + waitInitialBackoff
                + ", waitMaxBackoff=" + waitMaxBackoff + ", localCacheEnabled=" + localCacheEnabled
                + ", localCacheMaxSize=" + localCacheMaxSize + ", missingKeyPolicy=" + missingKeyPolicy
                + ", storeFailurePolicy=" + storeFailurePolicy + ", settleTimeout=" + settleTimeout + ", clock="
                + clock + "]";
    }

    /** Builds an {@link IdempotencyConfig}; every setter validates at once. */
    public static final class Builder {

        private Duration ttl = DEFAULT_TTL;
        private @Nullable Duration lease;
        private InProgressPolicy inProgressPolicy = DEFAULT_IN_PROGRESS_POLICY;
        private Duration waitTimeout = DEFAULT_WAIT_TIMEOUT;
        private Duration waitInitialBackoff = DEFAULT_WAIT_INITIAL_BACKOFF;
        private Duration waitMaxBackoff = DEFAULT_WAIT_MAX_BACKOFF;
        private boolean localCacheEnabled = DEFAULT_LOCAL_CACHE_ENABLED;
        private long localCacheMaxSize = DEFAULT_LOCAL_CACHE_MAX_SIZE;
        private MissingKeyPolicy missingKeyPolicy = DEFAULT_MISSING_KEY_POLICY;
        private StoreFailurePolicy storeFailurePolicy = DEFAULT_STORE_FAILURE_POLICY;
        private Duration settleTimeout = DEFAULT_SETTLE_TIMEOUT;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        private Builder(IdempotencyConfig c) {
            ttl = c.ttl;
            lease = c.leaseSet ? c.lease : null;
            inProgressPolicy = c.inProgressPolicy;
            waitTimeout = c.waitTimeout;
            waitInitialBackoff = c.waitInitialBackoff;
            waitMaxBackoff = c.waitMaxBackoff;
            localCacheEnabled = c.localCacheEnabled;
            localCacheMaxSize = c.localCacheMaxSize;
            missingKeyPolicy = c.missingKeyPolicy;
            storeFailurePolicy = c.storeFailurePolicy;
            settleTimeout = c.settleTimeout;
            clock = c.clock;
        }

        /** At most {@link #MAX_TTL}: records keep their expiry as epoch seconds, and a store's TTL sweep too. */
        public Builder ttl(Duration ttl) {
            this.ttl = withinMaxTtl(positive(ttl, "ttl"));
            return this;
        }

        /** Set it above the longest run; an explicit lease longer than the ttl fails {@link #build()}. */
        public Builder lease(Duration lease) {
            this.lease = positive(lease, "lease");
            return this;
        }

        public Builder inProgressPolicy(InProgressPolicy inProgressPolicy) {
            Objects.requireNonNull(inProgressPolicy, "inProgressPolicy must not be null");
            if (inProgressPolicy == InProgressPolicy.DEFAULT) {
                throw new IllegalArgumentException("inProgressPolicy must be REJECT or WAIT, but was DEFAULT");
            }
            this.inProgressPolicy = inProgressPolicy;
            return this;
        }

        public Builder waitTimeout(Duration waitTimeout) {
            this.waitTimeout = positive(waitTimeout, "waitTimeout");
            return this;
        }

        public Builder waitInitialBackoff(Duration waitInitialBackoff) {
            this.waitInitialBackoff = positive(waitInitialBackoff, "waitInitialBackoff");
            return this;
        }

        public Builder waitMaxBackoff(Duration waitMaxBackoff) {
            this.waitMaxBackoff = positive(waitMaxBackoff, "waitMaxBackoff");
            return this;
        }

        public Builder localCacheEnabled(boolean localCacheEnabled) {
            this.localCacheEnabled = localCacheEnabled;
            return this;
        }

        public Builder localCacheMaxSize(long localCacheMaxSize) {
            if (localCacheMaxSize <= 0) {
                throw new IllegalArgumentException(
                        "localCacheMaxSize must be positive, but was " + localCacheMaxSize
                                + " (turn the cache off with localCacheEnabled(false))");
            }
            this.localCacheMaxSize = localCacheMaxSize;
            return this;
        }

        public Builder missingKeyPolicy(MissingKeyPolicy missingKeyPolicy) {
            this.missingKeyPolicy = Objects.requireNonNull(missingKeyPolicy, "missingKeyPolicy must not be null");
            return this;
        }

        public Builder storeFailurePolicy(StoreFailurePolicy storeFailurePolicy) {
            this.storeFailurePolicy =
                    Objects.requireNonNull(storeFailurePolicy, "storeFailurePolicy must not be null");
            return this;
        }

        public Builder settleTimeout(Duration settleTimeout) {
            this.settleTimeout = positive(settleTimeout, "settleTimeout");
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock must not be null");
            return this;
        }

        /**
         * @throws IllegalArgumentException when the lease is longer than the ttl (a record would expire while its
         *                                  owner still runs), or the initial backoff exceeds the maximum
         */
        public IdempotencyConfig build() {
            checkLeaseWithinTtl(effectiveLease(), ttl);
            if (waitInitialBackoff.compareTo(waitMaxBackoff) > 0) {
                throw new IllegalArgumentException("waitInitialBackoff (" + waitInitialBackoff
                        + ") must not be longer than waitMaxBackoff (" + waitMaxBackoff + ")");
            }
            return new IdempotencyConfig(this);
        }

        /** The lease as set, or the default shortened to a ttl below it: a short ttl alone must work. */
        private Duration effectiveLease() {
            return lease != null ? lease : shorterOf(DEFAULT_LEASE, ttl);
        }
    }

    static Duration shorterOf(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** @throws IllegalArgumentException for a ttl above {@link #MAX_TTL} */
    static Duration withinMaxTtl(Duration ttl) {
        if (ttl.compareTo(MAX_TTL) > 0) {
            throw new IllegalArgumentException("ttl must be at most " + MAX_TTL.toDays() + " days, but was " + ttl);
        }
        return ttl;
    }

    static Duration positive(Duration value, String name) {
        Objects.requireNonNull(value, name + " must not be null");
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, but was " + value);
        }
        return value;
    }

    /** A record must not expire while its call still runs. */
    static void checkLeaseWithinTtl(Duration lease, Duration ttl) {
        if (lease.compareTo(ttl) > 0) {
            throw new IllegalArgumentException("lease (" + lease + ") must not be longer than ttl (" + ttl
                    + "): a record would expire while its call still runs. Shorten the lease or lengthen the ttl.");
        }
    }
}

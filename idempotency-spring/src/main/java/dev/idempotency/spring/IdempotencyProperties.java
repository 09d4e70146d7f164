package dev.idempotency.spring;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import org.springframework.core.env.PropertyResolver;

import dev.idempotency.IdempotencyConfig;
import dev.idempotency.InProgressPolicy;

/**
 * The {@code idempotency.*} properties. {@link EnableIdempotency} reads them from the
 * {@link org.springframework.core.env.Environment}; the Spring Boot auto-configuration binds them. Each default is
 * the {@link IdempotencyConfig} {@code DEFAULT_*} constant of the same setting.
 */
public class IdempotencyProperties {

    /** Where records live. */
    private final Store store = new Store();

    /** How long a completed call is remembered (the record's retention). */
    private Duration ttl = IdempotencyConfig.DEFAULT_TTL;

    /**
     * How long a running call owns its key before another call may take over. Set it above the longest run. Default:
     * 60s, or the ttl when that is shorter.
     */
    private @Nullable Duration lease;

    /** What a duplicate of a running call does: reject (fail at once) or wait (for the running call's result). */
    private InProgressPolicy inProgress = IdempotencyConfig.DEFAULT_IN_PROGRESS_POLICY;

    /** How long a waiting duplicate waits at most, with idempotency.in-progress=wait. */
    private Duration waitTimeout = IdempotencyConfig.DEFAULT_WAIT_TIMEOUT;

    /**
     * The longest a call spends recording its outcome (completing or releasing its record, retries included) once
     * the method returned or threw, and never past the lease; the caller then gets its result and the record is
     * reported as not completed.
     */
    private Duration settleTimeout = IdempotencyConfig.DEFAULT_SETTLE_TIMEOUT;

    /** The cache of completed records in this JVM. */
    private final LocalCache localCache = new LocalCache();

    /**
     * The name of the KeyStrategy bean that methods without key or keyStrategy use. Default: the built-in strategy
     * (the @IdempotencyKey parameters, else the only argument).
     */
    private @Nullable String defaultKeyStrategy;

    /**
     * The properties as {@code environment} holds them, read without Spring Boot, as {@link EnableIdempotency} reads
     * them.
     *
     * @throws IllegalArgumentException naming the property and its value, when a value cannot be read
     */
    public static IdempotencyProperties from(PropertyResolver environment) {
        return EnvironmentProperties.read(Objects.requireNonNull(environment, "environment must not be null"));
    }

    public Store getStore() {
        return store;
    }

    public Duration getTtl() {
        return ttl;
    }

    public void setTtl(Duration ttl) {
        this.ttl = ttl;
    }

    public @Nullable Duration getLease() {
        return lease;
    }

    public void setLease(@Nullable Duration lease) {
        this.lease = lease;
    }

    public InProgressPolicy getInProgress() {
        return inProgress;
    }

    public void setInProgress(InProgressPolicy inProgress) {
        this.inProgress = inProgress;
    }

    public Duration getWaitTimeout() {
        return waitTimeout;
    }

    public void setWaitTimeout(Duration waitTimeout) {
        this.waitTimeout = waitTimeout;
    }

    public Duration getSettleTimeout() {
        return settleTimeout;
    }

    public void setSettleTimeout(Duration settleTimeout) {
        this.settleTimeout = settleTimeout;
    }

    public LocalCache getLocalCache() {
        return localCache;
    }

    public @Nullable String getDefaultKeyStrategy() {
        return defaultKeyStrategy;
    }

    public void setDefaultKeyStrategy(@Nullable String defaultKeyStrategy) {
        this.defaultKeyStrategy = defaultKeyStrategy;
    }

    /**
     * The settings these properties give, for an {@link IdempotencyConfig} bean of your own to start from:
     * {@code IdempotencyProperties.from(environment).toConfig().toBuilder().clock(clock).build()}.
     *
     * @throws IllegalArgumentException naming the property and its value, when a value is out of range
     */
    public IdempotencyConfig toConfig() {
        positive("idempotency.ttl", ttl);
        if (lease != null) {
            positive("idempotency.lease", lease);
        }
        positive("idempotency.wait-timeout", waitTimeout);
        positive("idempotency.settle-timeout", settleTimeout);
        if (lease != null && lease.compareTo(ttl) > 0) {
            throw invalid("idempotency.lease", lease, "at most idempotency.ttl (" + ttl
                    + "), so that a record does not expire while its call still runs");
        }
        if (inProgress == InProgressPolicy.DEFAULT) {
            throw invalid("idempotency.in-progress", inProgress.name().toLowerCase(Locale.ROOT), "reject or wait");
        }
        if (localCache.maxSize <= 0) {
            throw invalid("idempotency.local-cache.max-size", localCache.maxSize, "a positive number");
        }
        IdempotencyConfig.Builder config = IdempotencyConfig.builder().ttl(ttl);
        if (lease != null) {
            config.lease(lease);
        }
        return config
                .inProgressPolicy(inProgress)
                .waitTimeout(waitTimeout)
                .settleTimeout(settleTimeout)
                .localCacheEnabled(localCache.enabled)
                .localCacheMaxSize(localCache.maxSize)
                .build();
    }

    @Override
    public String toString() {
        return "IdempotencyProperties[store.type=" + store.type + ", ttl=" + ttl + ", lease=" + lease
                + ", in-progress=" + inProgress + ", wait-timeout=" + waitTimeout + ", settle-timeout=" + settleTimeout
                + ", local-cache.enabled="
                + localCache.enabled + ", local-cache.max-size=" + localCache.maxSize + ", default-key-strategy="
                + defaultKeyStrategy + "]";
    }

    static IllegalArgumentException invalid(String property, Object value, String expected) {
        return IdempotencyStoreProviderContext.invalid(property, value, expected);
    }

    private static void positive(String property, Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw invalid(property, value, "a positive duration");
        }
    }

    /** {@code idempotency.store.*}. */
    public static class Store {

        /**
         * Which store keeps the records, unless the application defines an IdempotencyStore bean: memory (this JVM
         * only), or the type that a store module on the class path adds (its README names it).
         */
        private String type = "memory";

        public String getType() {
            return type;
        }

        public void setType(String type) {
            this.type = type;
        }
    }

    /** {@code idempotency.local-cache.*}. */
    public static class LocalCache {

        /** Whether completed records are cached in this JVM, so a duplicate is answered without the store. */
        private boolean enabled = IdempotencyConfig.DEFAULT_LOCAL_CACHE_ENABLED;

        /** The most completed records the local cache holds. */
        private long maxSize = IdempotencyConfig.DEFAULT_LOCAL_CACHE_MAX_SIZE;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public long getMaxSize() {
            return maxSize;
        }

        public void setMaxSize(long maxSize) {
            this.maxSize = maxSize;
        }
    }
}

package dev.idempotency.spring;

import java.net.URI;
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

    /** The DynamoDB store, when {@code idempotency.store.type=dynamodb}. */
    private final DynamoDb dynamodb = new DynamoDb();

    /** How long a completed call is remembered (the record's retention). */
    private Duration ttl = IdempotencyConfig.DEFAULT_TTL;

    /** How long a running call owns its key before another call may take over. Set it above the longest run. */
    private Duration lease = IdempotencyConfig.DEFAULT_LEASE;

    /** What a duplicate of a running call does: reject (fail at once) or wait (for the running call's result). */
    private InProgressPolicy inProgress = IdempotencyConfig.DEFAULT_IN_PROGRESS_POLICY;

    /** How long a waiting duplicate waits at most, with idempotency.in-progress=wait. */
    private Duration waitTimeout = IdempotencyConfig.DEFAULT_WAIT_TIMEOUT;

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

    public DynamoDb getDynamodb() {
        return dynamodb;
    }

    public Duration getTtl() {
        return ttl;
    }

    public void setTtl(Duration ttl) {
        this.ttl = ttl;
    }

    public Duration getLease() {
        return lease;
    }

    public void setLease(Duration lease) {
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
        positive("idempotency.lease", lease);
        positive("idempotency.wait-timeout", waitTimeout);
        if (lease.compareTo(ttl) > 0) {
            throw invalid("idempotency.lease", lease, "at most idempotency.ttl (" + ttl
                    + "), so that a record does not expire while its call still runs");
        }
        if (inProgress == InProgressPolicy.DEFAULT) {
            throw invalid("idempotency.in-progress", inProgress.name().toLowerCase(Locale.ROOT), "reject or wait");
        }
        if (localCache.maxSize <= 0) {
            throw invalid("idempotency.local-cache.max-size", localCache.maxSize, "a positive number");
        }
        return IdempotencyConfig.builder()
                .ttl(ttl)
                .lease(lease)
                .inProgressPolicy(inProgress)
                .waitTimeout(waitTimeout)
                .localCacheEnabled(localCache.enabled)
                .localCacheMaxSize(localCache.maxSize)
                .build();
    }

    @Override
    public String toString() {
        return "IdempotencyProperties[store.type=" + store.type + ", ttl=" + ttl + ", lease=" + lease
                + ", in-progress=" + inProgress + ", wait-timeout=" + waitTimeout + ", local-cache.enabled="
                + localCache.enabled + ", local-cache.max-size=" + localCache.maxSize + ", default-key-strategy="
                + defaultKeyStrategy + ", " + dynamodb + "]";
    }

    static IllegalArgumentException invalid(String property, Object value, String expected) {
        return new IllegalArgumentException(
                "Invalid value '" + value + "' for property " + property + ": expected " + expected);
    }

    private static void positive(String property, Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw invalid(property, value, "a positive duration");
        }
    }

    /** The kinds of store that {@code idempotency.store.type} chooses from. */
    public enum StoreType {
        /** Records in this JVM's memory: one instance, tests and local development. */
        MEMORY,
        /** Records in a DynamoDB table, shared by every instance; needs the idempotency-dynamodb module. */
        DYNAMODB
    }

    /** {@code idempotency.store.*}. */
    public static class Store {

        /** Which store keeps the records, unless the application defines an IdempotencyStore bean. */
        private StoreType type = StoreType.MEMORY;

        public StoreType getType() {
            return type;
        }

        public void setType(StoreType type) {
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

    /**
     * {@code idempotency.dynamodb.*}. Without a DynamoDbClient bean of the application, the store's client is made
     * from these, with bounded requests: 2 s an attempt and 5 s a call, retries included (define a DynamoDbClient
     * bean for other settings).
     */
    public static class DynamoDb {

        /** The table of the records; required with idempotency.store.type=dynamodb. */
        private @Nullable String tableName;

        /** The AWS region of the table. Default: the AWS SDK's region provider chain (AWS_REGION, profile). */
        private @Nullable String region;

        /** Another endpoint than AWS's, such as a local DynamoDB for development. */
        private @Nullable URI endpoint;

        /** Whether to create the table at startup when it does not exist (development and tests). */
        private boolean createTable;

        public @Nullable String getTableName() {
            return tableName;
        }

        public void setTableName(@Nullable String tableName) {
            this.tableName = tableName;
        }

        public @Nullable String getRegion() {
            return region;
        }

        public void setRegion(@Nullable String region) {
            this.region = region;
        }

        public @Nullable URI getEndpoint() {
            return endpoint;
        }

        public void setEndpoint(@Nullable URI endpoint) {
            this.endpoint = endpoint;
        }

        public boolean isCreateTable() {
            return createTable;
        }

        public void setCreateTable(boolean createTable) {
            this.createTable = createTable;
        }

        @Override
        public String toString() {
            return "dynamodb.table-name=" + tableName + ", dynamodb.region=" + region + ", dynamodb.endpoint="
                    + endpoint + ", dynamodb.create-table=" + createTable;
        }
    }
}

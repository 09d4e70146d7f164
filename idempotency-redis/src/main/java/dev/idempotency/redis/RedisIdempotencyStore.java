package dev.idempotency.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;

import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.redis.Scripts.Script;
import dev.idempotency.store.ClaimResult;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.IdempotencyStore;
import dev.idempotency.store.RecordStatus;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;

/**
 * Keeps idempotency records in Redis (or Valkey), standalone or Redis Cluster, on Lettuce. Each record is one key,
 * {@code keyPrefix + id}, holding one packed binary value, and each operation is one command on that key:
 *
 * <ul>
 *   <li>claim: a script ({@code EVALSHA}) that writes the {@code IN_PROGRESS} record only when there is no record,
 *       the record has expired, or it is {@code IN_PROGRESS} with an expired lease, all decided with the caller's
 *       {@code now}; otherwise it returns the record that stands in the way, so a duplicate costs one round
 *       trip.</li>
 *   <li>complete: a script that replaces the record only while it is {@code IN_PROGRESS} with the caller's claim
 *       token.</li>
 *   <li>release: a script that deletes it under the same condition.</li>
 *   <li>find: a {@code GET}.</li>
 * </ul>
 *
 * <p>The scripts are called by their SHA-1, computed here; a server that does not know a script (after a restart
 * or {@code SCRIPT FLUSH}) answers {@code NOSCRIPT}, and the store sends it once with {@code EVAL}, which runs and
 * caches it. Every key expires natively (memory stays bounded), but every decision comes from the stored times.
 * Every operation touches one key, so the store is cluster-safe.
 *
 * <pre>{@code
 * RedisIdempotencyStore store = RedisIdempotencyStore.builder()
 *         .client(redisClient)             // or .uri("redis://localhost:6379")
 *         .build();
 * }</pre>
 *
 * <p>Thread-safe; all threads share one connection, which Lettuce pipelines. The store starts opening it when it is
 * built, in the background, so that the first call need not wait for it, and a store can be built while Redis is
 * down (a call fails then, with {@link IdempotencyStoreException}, and the next call connects again).
 * <strong>Who closes what:</strong> the store opens its own connection on a client you pass
 * ({@link Builder#client(RedisClient)}), and {@link #close()} closes that connection, never your client. A connection you pass
 * ({@link Builder#connection(StatefulRedisConnection)}) stays yours: the store never closes it. A store built from a
 * URI ({@link Builder#uri(String)}) owns its client and shuts it down on {@link #close()}.
 */
public final class RedisIdempotencyStore implements IdempotencyStore, AutoCloseable {

    /** The prefix of every record's key: {@code idempotency:orders.place#<sha256 of the key>}. */
    public static final String DEFAULT_KEY_PREFIX = "idempotency:";
    /** How long a command of the client made from a URI may take, when the URI sets no timeout. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    /** The largest result kept by default: 1 MiB. Every duplicate's claim reads it back through a script. */
    public static final int DEFAULT_MAX_RESULT_BYTES = 1 << 20;
    /** The largest result a record can hold: Redis's 512 MiB per value, less room for the other fields. */
    public static final int MAX_RESULT_BYTES = (512 << 20) - (1 << 20);

    /** The longest pause between two reconnects of the client made from a URI (Lettuce's default is 30 s). */
    static final Duration MAX_RECONNECT_DELAY = Duration.ofSeconds(1);
    /**
     * The longest timeout of the client made from a URI: Netty counts the connect timeout in {@code int}
     * milliseconds, and Lettuce its command timeouts in nanoseconds.
     */
    public static final Duration MAX_TIMEOUT = Duration.ofDays(24);


    private final RedisLink link;
    private final String keyPrefix;
    private final byte[] prefix;
    private final int maxResultBytes;
    private final StoreFailures failures;

    private RedisIdempotencyStore(RedisLink link, String keyPrefix, int maxResultBytes) {
        this.link = link;
        this.keyPrefix = keyPrefix;
        this.prefix = keyPrefix.getBytes(StandardCharsets.UTF_8);
        this.maxResultBytes = maxResultBytes;
        this.failures = new StoreFailures(link, keyPrefix);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public ClaimResult claim(IdempotencyRecord record, Instant now) {
        Objects.requireNonNull(record, "record must not be null");
        Objects.requireNonNull(now, "now must not be null");
        if (record.status() != RecordStatus.IN_PROGRESS) {
            throw new IllegalArgumentException("a claim writes an IN_PROGRESS record, but was " + record.status());
        }
        byte[] packed = RecordCodec.pack(record);
        byte[] nowMillis = number(RecordCodec.millis(now, "now"));
        byte[] nowSubMillis = number(RecordCodec.subMillis(now));
        byte[] ttl = number(millisUntil(now, record.expiresAt()));
        byte[] blocking = run(Scripts.CLAIM, "claim a record", ScriptOutputType.VALUE, record.id(), packed,
                nowMillis, nowSubMillis, ttl);
        if (blocking == null) {
            return ClaimResult.claimed();
        }
        return ClaimResult.conflict(unpack("claim a record", record.id(), blocking));
    }

    @Override
    public boolean complete(IdempotencyRecord finished) {
        Objects.requireNonNull(finished, "finished must not be null");
        if (finished.status() == RecordStatus.IN_PROGRESS) {
            throw new IllegalArgumentException("complete writes a COMPLETED or FAILED record, but was IN_PROGRESS");
        }
        byte[] result = finished.result();
        if (result != null && result.length > maxResultBytes) {
            throw new IllegalArgumentException("result must be at most " + maxResultBytes + " bytes (maxResultBytes),"
                    + " but was " + result.length + " bytes");
        }
        Long done = run(Scripts.COMPLETE, "complete a record", ScriptOutputType.INTEGER, finished.id(),
                RecordCodec.pack(finished), RecordCodec.token(finished.claimToken()));
        return done != null && done == 1L;
    }

    @Override
    public boolean release(String id, String claimToken) {
        Objects.requireNonNull(id, "id must not be null");
        Objects.requireNonNull(claimToken, "claimToken must not be null");
        Long done = run(Scripts.RELEASE, "release a record", ScriptOutputType.INTEGER, id,
                RecordCodec.token(claimToken));
        return done != null && done == 1L;
    }

    @Override
    public Optional<IdempotencyRecord> find(String id) {
        Objects.requireNonNull(id, "id must not be null");
        String action = "read a record";
        byte[] value;
        try {
            value = link.await(commands(action).get(key(id)));
        } catch (IdempotencyStoreException e) {
            throw e;
        } catch (RuntimeException e) {
            // RedisException, or what the client throws at a command sent while it shuts down (Netty's timer)
            throw failures.translate(action, "GET", e);
        }
        return value == null ? Optional.empty() : Optional.of(unpack(action, id, value));
    }

    @Override
    public int maxResultBytes() {
        return maxResultBytes;
    }

    /** The prefix of every record's key. */
    public String keyPrefix() {
        return keyPrefix;
    }

    /**
     * Sends {@code PING} on the store's connection (waiting for the connect first when there is none yet) and
     * returns the reply, {@code PONG}: for health checks. Waits at most {@code timeout} in all, the connect included,
     * so a check behind a silent network ends in time even when the client's own timeout is longer.
     *
     * @throws IdempotencyStoreException when Redis cannot be reached or does not answer in time
     */
    public String ping(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout must not be null");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, but was " + timeout);
        }
        String action = "ping Redis";
        long start = System.nanoTime();
        long total = RedisLink.nanos(timeout);
        RedisClusterAsyncCommands<byte[], byte[]> commands = commands(action, timeout);
        RedisFuture<String> reply;
        try {
            reply = commands.ping();
        } catch (RuntimeException e) {
            throw failures.translate(action, "PING", e);
        }
        try {
            return reply.get(RedisLink.left(start, total), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            reply.cancel(false);
            Thread.currentThread().interrupt();
            throw new IdempotencyStoreException("Failed to " + action + ": interrupted while waiting for PONG", e);
        } catch (TimeoutException e) {
            reply.cancel(false);
            throw new IdempotencyStoreException("Failed to " + action + ": " + link.where() + " did not answer PING"
                    + " within " + timeout.toMillis() + " ms. Check that Redis is up and not overloaded (SLOWLOG,"
                    + " LATENCY), and the network.", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw failures.translate(action, "PING", cause instanceof RuntimeException runtime ? runtime
                    : new RedisException(cause));
        } catch (CancellationException e) {
            throw failures.translate(action, "PING", link.cancelled(e));
        }
    }

    /**
     * Closes the connection the store opened, and shuts down the client it made from a URI; a client or connection
     * you passed stays open. Operations after this, and those still waiting for Redis, fail with
     * {@link IdempotencyStoreException}. Idempotent.
     */
    @Override
    public void close() {
        link.close();
    }

    /** {@code EVALSHA}, and once {@code EVAL} when the server does not know the script, on the key of {@code id}. */
    private <T> @Nullable T run(Script script, String action, ScriptOutputType type, String id, byte[]... args) {
        byte[][] keys = {key(id)};
        RedisClusterAsyncCommands<byte[], byte[]> commands = commands(action);
        try {
            try {
                RedisFuture<T> sent = commands.evalsha(script.sha1(), type, keys, args);
                return link.await(sent);
            } catch (RedisNoScriptException e) {
                RedisFuture<T> sent = commands.eval(script.bytes(), type, keys, args);
                return link.await(sent);
            }
        } catch (RedisCommandExecutionException e) {
            String message = e.getMessage();
            if (message != null && message.startsWith(Scripts.NOT_A_RECORD)) {
                throw failures.notARecord(action, keyPrefix + id, message.substring(Scripts.NOT_A_RECORD.length()),
                        e);
            }
            throw failures.translate(action, "EVALSHA (the " + script.name() + " script)", e);
        } catch (RuntimeException e) {
            // RedisException, or what the client throws at a command sent while it shuts down (Netty's timer)
            throw failures.translate(action, "EVALSHA (the " + script.name() + " script)", e);
        }
    }

    private RedisClusterAsyncCommands<byte[], byte[]> commands(String action) {
        return commands(action, null);
    }

    /** The commands, waiting at most {@code wait} (else the link's own bound) for a connect in progress. */
    private RedisClusterAsyncCommands<byte[], byte[]> commands(String action, @Nullable Duration wait) {
        try {
            return wait == null ? link.commands() : link.commands(wait);
        } catch (RedisException e) {
            throw failures.translate(action, "the connection", e);
        } catch (IllegalStateException closed) {
            throw new IdempotencyStoreException("Failed to " + action + ": " + closed.getMessage() + ".", closed);
        } catch (RuntimeException e) {
            throw failures.translate(action, "the connection", e);
        }
    }

    private IdempotencyRecord unpack(String action, String id, byte[] value) {
        try {
            return RecordCodec.unpack(id, value);
        } catch (IllegalArgumentException e) {
            throw failures.notARecord(action, keyPrefix + id, e.getMessage(), e);
        }
    }

    private byte[] key(String id) {
        byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
        byte[] key = new byte[prefix.length + utf8.length];
        System.arraycopy(prefix, 0, key, 0, prefix.length);
        System.arraycopy(utf8, 0, key, prefix.length, utf8.length);
        return key;
    }

    /** Whole milliseconds from {@code now} to {@code end}, rounded up, and at least 1 (what {@code PX} accepts). */
    static long millisUntil(Instant now, Instant end) {
        Duration left = Duration.between(now, end);
        if (left.isNegative() || left.isZero()) {
            return 1;
        }
        try {
            long millis = left.toMillis();
            return left.toNanosPart() % 1_000_000 == 0 ? millis : millis + 1;
        } catch (ArithmeticException e) {
            return RecordCodec.MAX_SCRIPT_NUMBER;
        }
    }

    private static byte[] number(long value) {
        return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * {@code uri} with everything between the scheme and the last {@code @} masked: the user and the password, even
     * one that holds characters a URI reserves ({@code / ? # @}), which would end a shorter match early.
     */
    static String redact(String uri) {
        int at = uri.lastIndexOf('@');
        if (at < 0) {
            return uri;
        }
        int scheme = uri.indexOf("://");
        int from = scheme >= 0 && scheme < at ? scheme + 3 : 0;
        return uri.substring(0, from) + "****" + uri.substring(at);
    }

    /** The user info of {@code uri} (between the scheme and the last {@code @}), or empty. */
    private static String userInfo(String uri) {
        int at = uri.lastIndexOf('@');
        if (at < 0) {
            return "";
        }
        int scheme = uri.indexOf("://");
        return uri.substring(scheme >= 0 && scheme < at ? scheme + 3 : 0, at);
    }

    @Override
    public String toString() {
        return "RedisIdempotencyStore[" + link.where() + ", keyPrefix=" + keyPrefix + ", maxResultBytes="
                + maxResultBytes + "]";
    }

    /**
     * Builds a {@link RedisIdempotencyStore} on exactly one of a client, a connection or a URI. Setters validate at
     * once, {@link #build()} checks the whole.
     */
    public static final class Builder {

        private @Nullable RedisLinkFactory source;
        private @Nullable String sourceName;
        private @Nullable RedisURI uri;
        private @Nullable String rawUri;
        private @Nullable Duration timeout;
        private String keyPrefix = DEFAULT_KEY_PREFIX;
        private int maxResultBytes = DEFAULT_MAX_RESULT_BYTES;

        private Builder() {
        }

        /**
         * A standalone (or Sentinel) client: the store opens one connection of its own on it, with the client's
         * default URI, starting when it is built, and closes that connection on {@link #close()}; the client stays
         * yours to shut down.
         */
        public Builder client(RedisClient client) {
            Objects.requireNonNull(client, "client must not be null");
            return source("client(RedisClient)", () -> RedisLink.of(client));
        }

        /** A Redis Cluster client: as {@link #client(RedisClient)}, with a cluster connection. */
        public Builder client(RedisClusterClient client) {
            Objects.requireNonNull(client, "client must not be null");
            return source("client(RedisClusterClient)", () -> RedisLink.of(client));
        }

        /**
         * A connection of yours, opened with {@code io.lettuce.core.codec.ByteArrayCodec} (records are binary); the
         * store never closes it. Its timeout bounds every operation.
         */
        public Builder connection(StatefulRedisConnection<byte[], byte[]> connection) {
            Objects.requireNonNull(connection, "connection must not be null");
            return source("connection(StatefulRedisConnection)", () -> RedisLink.of(connection));
        }

        /** A Redis Cluster connection of yours, opened with {@code ByteArrayCodec}; the store never closes it. */
        public Builder connection(StatefulRedisClusterConnection<byte[], byte[]> connection) {
            Objects.requireNonNull(connection, "connection must not be null");
            return source("connection(StatefulRedisClusterConnection)", () -> RedisLink.of(connection));
        }

        /**
         * A Redis URI, such as {@code redis://localhost:6379}, {@code rediss://user:password@host:6380/0} or
         * {@code redis-sentinel://host:26379/0#mymaster} (Lettuce's URI syntax): the store makes its own client,
         * and shuts it down on {@link #close()}. Its commands time out after {@link #timeout(Duration)}, or the URI's
         * own {@code ?timeout=}, else {@link #DEFAULT_TIMEOUT}; connecting too.
         */
        public Builder uri(String uri) {
            Objects.requireNonNull(uri, "uri must not be null");
            String refused = "uri must be a Redis URI such as redis://localhost:6379, but was '" + redact(uri) + "' (";
            String userInfo = userInfo(uri);
            if (userInfo.matches(".*[/?#@].*")) {
                // Lettuce would read part of the password as the host, or the port: it would show in messages.
                throw new IllegalArgumentException(refused + "its user or password holds / ? # or @, which end that"
                        + " part of a URI: percent-encode them as %2F %3F %23 %40)");
            }
            RedisURI parsed;
            try {
                parsed = parse(uri);
            } catch (RuntimeException e) {
                // Lettuce's message may quote the URI: shown only when it holds nothing of the user info.
                String why = String.valueOf(e.getMessage());
                boolean safe = userInfo.isEmpty() || !why.contains(userInfo.substring(userInfo.indexOf(':') + 1));
                throw new IllegalArgumentException(refused + (safe ? why : e.getClass().getSimpleName()) + ")",
                        safe ? e : null);
            }
            checkTimeout("the URI's timeout", parsed.getTimeout());
            this.uri = parsed;
            this.rawUri = uri;
            return source("uri(String)", null);
        }

        /**
         * How long a command of the client made from {@link #uri(String)} may take; positive, and at most
         * {@link #MAX_TIMEOUT}.
         */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout must not be null");
            this.timeout = checkTimeout("timeout", timeout);
            return this;
        }

        private static Duration checkTimeout(String what, Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, but was " + timeout);
            }
            if (timeout.compareTo(MAX_TIMEOUT) > 0) {
                throw new IllegalArgumentException(what + " must be at most " + MAX_TIMEOUT.toDays()
                        + " days (MAX_TIMEOUT), but was " + timeout);
            }
            return timeout;
        }

        /**
         * The prefix of every record's key; default {@link #DEFAULT_KEY_PREFIX}. Keep it to the store: the store
         * refuses to read what others write there. With Redis Cluster, braces make a hash tag: a prefix such as
         * {@code {idempotency}:} puts every record in one slot.
         */
        public Builder keyPrefix(String keyPrefix) {
            this.keyPrefix = Objects.requireNonNull(keyPrefix, "keyPrefix must not be null");
            return this;
        }

        /** The largest serialized result kept, in bytes; default {@link #DEFAULT_MAX_RESULT_BYTES}. */
        public Builder maxResultBytes(int maxResultBytes) {
            if (maxResultBytes <= 0 || maxResultBytes > MAX_RESULT_BYTES) {
                throw new IllegalArgumentException("maxResultBytes must be 1 to " + MAX_RESULT_BYTES + ", but was "
                        + maxResultBytes);
            }
            this.maxResultBytes = maxResultBytes;
            return this;
        }

        /**
         * @throws IllegalStateException when none, or more than one, of client, connection and uri was set, or a
         *                               timeout was set without a uri
         */
        public RedisIdempotencyStore build() {
            if (sourceName == null) {
                throw new IllegalStateException("one of client, connection or uri must be set: where the records"
                        + " live, such as uri(\"redis://localhost:6379\")");
            }
            if (timeout != null && uri == null) {
                throw new IllegalStateException("timeout applies to the client made from uri(...) only, but "
                        + sourceName + " was set: set the timeout on your client's RedisURI instead");
            }
            RedisLink link;
            if (uri != null) {
                // A copy of its own: parsed again, as RedisURI.builder(uri) drops the sentinels of redis-sentinel://.
                RedisURI own = parse(Objects.requireNonNull(rawUri, "rawUri"));
                if (timeout != null) {
                    own.setTimeout(timeout);
                }
                ClientResources resources = ClientResources.builder()
                        .reconnectDelay(Delay.exponential(Duration.ofMillis(10), MAX_RECONNECT_DELAY, 2,
                                TimeUnit.MILLISECONDS))
                        .build();
                RedisClient client = RedisClient.create(resources, own);
                client.setOptions(ClientOptions.builder()
                        .socketOptions(SocketOptions.builder().connectTimeout(own.getTimeout()).build())
                        .build());
                link = RedisLink.owning(client, resources, own);
            } else {
                link = Objects.requireNonNull(source, "source").open();
            }
            link.startConnecting();
            return new RedisIdempotencyStore(link, keyPrefix, maxResultBytes);
        }

        private static RedisURI parse(String uri) {
            RedisURI parsed = RedisURI.create(uri);
            if (!uri.contains("timeout=")) {
                parsed.setTimeout(DEFAULT_TIMEOUT);
            }
            return parsed;
        }

        private Builder source(String name, @Nullable RedisLinkFactory factory) {
            if (sourceName != null && !sourceName.equals(name)) {
                throw new IllegalStateException("set one of client, connection or uri, but " + sourceName
                        + " was set already and now " + name);
            }
            this.sourceName = name;
            this.source = factory;
            if (factory != null) {
                this.uri = null;
                this.rawUri = null;
            }
            return this;
        }
    }

    /** Opens the link of a client or connection the application passed. */
    @FunctionalInterface
    private interface RedisLinkFactory {
        RedisLink open();
    }
}

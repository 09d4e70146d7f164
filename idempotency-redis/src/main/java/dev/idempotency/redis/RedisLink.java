package dev.idempotency.redis;

import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;

/**
 * The store's one connection, standalone or to a cluster. A link on a client starts connecting when the store is
 * built, in the background ({@link #startConnecting()}), so that the first call finds the connection open, and a
 * store can still be built while Redis is down: then a call fails, not the build. Every caller shares that one
 * attempt; one that failed, or outlived its bound (the socket connect timeout plus the client's timeout: a client
 * shut down under a connect never ends it), is made again by the next call, and Lettuce's reconnects keep the connection up once it is open. The attempt
 * is Lettuce's asynchronous connect, which blocks no thread (for a cluster, whose asynchronous connect needs the
 * topology loaded first, the blocking one on a thread of its own), so that no caller's interrupt can cancel it for
 * the others. A connection that an attempt opens after it was abandoned, or after {@link #close()}, is closed.
 * Every command is sent asynchronously and awaited here, within the connection's timeout, without giving up on an
 * interrupted thread: the command may already be on its way, and a completion that the caller gives up on would
 * leave its record {@code IN_PROGRESS} until the lease ends. The thread's interrupt flag is set again before
 * returning.
 */
final class RedisLink implements AutoCloseable {

    private final @Nullable Supplier<CompletableFuture<? extends StatefulConnection<byte[], byte[]>>> connector;
    /**
     * How long a caller waits for the connect in progress: the client's timeout.
     */
    private final Duration connectWait;
    /**
     * How long one connect may run, in nanoseconds, before a caller gives it up and starts another: Lettuce's socket
     * connect timeout plus the handshake's (the client's timeout). Set by the factories, before the link is shared.
     */
    private long attemptNanos;
    /** Serializes {@link #close()}; never held while a connect completes. */
    private final Object closing = new Object();
    private final @Nullable AbstractRedisClient ownedClient;
    private final @Nullable AbstractRedisClient listenedClient;
    private final RedisConnectionStateListener addresses = new RedisConnectionStateListener() {
        @Override
        public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress address) {
            StatefulConnection<byte[], byte[]> mine = connection;
            if (mine == null || mine == handler) {
                where = "Redis at " + describe(address);
            }
        }
    };
    private volatile @Nullable StatefulConnection<byte[], byte[]> connection;
    private volatile @Nullable RedisClusterAsyncCommands<byte[], byte[]> commands;
    private volatile String where;
    private volatile boolean closed;
    /** The connect in progress, or the last one; guarded by this. */
    private @Nullable Attempt connecting;
    private @Nullable ClientResources ownedResources;
    /** Whether {@link #close()} has shut everything down; guarded by {@link #closing}. */
    private boolean shutDown;
    /** Whether the thread that closes was interrupted while it waited; guarded by {@link #closing}. */
    private boolean interruptedWhileClosing;

    /** One connect: what callers wait for, and when it ended for good (its connection installed or closed). */
    private static final class Attempt {
        final CompletableFuture<StatefulConnection<byte[], byte[]>> shared = new CompletableFuture<>();
        final CompletableFuture<Void> settled = new CompletableFuture<>();
        final long started = System.nanoTime();
    }

    private RedisLink(@Nullable Supplier<CompletableFuture<? extends StatefulConnection<byte[], byte[]>>> connector,
            @Nullable StatefulConnection<byte[], byte[]> connection, @Nullable AbstractRedisClient ownedClient,
            @Nullable AbstractRedisClient listenedClient, String where, Duration connectWait) {
        this.connector = connector;
        this.connectWait = connectWait;
        this.attemptNanos = twice(bound(connectWait));
        this.ownedClient = ownedClient;
        this.listenedClient = listenedClient;
        this.where = where;
        if (connection != null) {
            this.connection = connection;
            this.commands = commandsOf(connection);
            connection.addListener(addresses);
        }
        if (listenedClient != null) {
            listenedClient.addListener(addresses);
        }
    }

    /** A connection of the store's own on the application's standalone client; the client stays the caller's. */
    static RedisLink of(RedisClient client) {
        RedisURI uri = defaultUri(client);
        Duration lettuce6Timeout = lettuce6DefaultTimeout(client);
        if (uri == null || (lettuce6Timeout != null && !lettuce6Timeout.equals(uri.getTimeout()))) {
            // Not readable, or none (RedisClient.create()): the blocking connect, which says what is missing. Also
            // where Lettuce 6's client has a default timeout of its own (setDefaultTimeout), which its connect(codec)
            // gives the connection and the asynchronous connect to a URI would not.
            return bounded(new RedisLink(() -> CompletableFuture.supplyAsync(
                    () -> client.connect(ByteArrayCodec.INSTANCE), RedisLink::daemon), null, null, client,
                    "Redis (the RedisClient's server)", lettuce6Timeout != null ? lettuce6Timeout
                            : RedisURI.DEFAULT_TIMEOUT_DURATION), client);
        }
        return bounded(new RedisLink(() -> client.connectAsync(ByteArrayCodec.INSTANCE, uri).toCompletableFuture(),
                null, null, client, "Redis (the RedisClient's server)", uri.getTimeout()), client);
    }

    /** Lettuce 6's {@code getDefaultTimeout()} (gone in Lettuce 7, where the URI's timeout is the client's). */
    private static @Nullable Duration lettuce6DefaultTimeout(RedisClient client) {
        try {
            return AbstractRedisClient.class.getMethod("getDefaultTimeout").invoke(client) instanceof Duration timeout
                    ? timeout : null;
        } catch (ReflectiveOperationException | RuntimeException lettuce7) {
            return null;
        }
    }

    /** {@code link}, whose connects may take the client's socket connect timeout plus the handshake's. */
    private static RedisLink bounded(RedisLink link, AbstractRedisClient client) {
        long socket;
        try {
            socket = bound(client.getOptions().getSocketOptions().getConnectTimeout());
        } catch (RuntimeException unknown) {
            socket = bound(link.connectWait);
        }
        long handshake = bound(link.connectWait);
        link.attemptNanos = socket > Long.MAX_VALUE - handshake ? Long.MAX_VALUE : socket + handshake;
        return link;
    }

    /** A connection of the store's own on the application's cluster client; the client stays the caller's. */
    static RedisLink of(RedisClusterClient client) {
        // Lettuce's asynchronous cluster connect needs the topology loaded first: the blocking one loads it.
        return bounded(new RedisLink(() -> CompletableFuture.supplyAsync(
                () -> client.connect(ByteArrayCodec.INSTANCE), RedisLink::daemon), null, null, null, "Redis Cluster",
                initialTimeout(client)), client);
    }

    /**
     * The URI a {@link RedisClient} connects to by default, which Lettuce does not expose: its timeout bounds the
     * connect (as in {@link RedisClient#connect(io.lettuce.core.codec.RedisCodec)}), and the asynchronous connect
     * needs it. Null when it cannot be read, or the client has none.
     */
    private static @Nullable RedisURI defaultUri(RedisClient client) {
        try {
            Field field = RedisClient.class.getDeclaredField("redisURI");
            field.setAccessible(true);
            return field.get(client) instanceof RedisURI uri
                    && (uri.getHost() != null || uri.getSocket() != null || !uri.getSentinels().isEmpty()) ? uri
                    : null;
        } catch (ReflectiveOperationException | RuntimeException notReadable) {
            return null;
        }
    }

    /** The timeout of a cluster client's first seed URI (what its connect uses), else Lettuce's default. */
    private static Duration initialTimeout(RedisClusterClient client) {
        try {
            Field field = RedisClusterClient.class.getDeclaredField("initialUris");
            field.setAccessible(true);
            if (field.get(client) instanceof Iterable<?> uris) {
                for (Object uri : uris) {
                    if (uri instanceof RedisURI redisUri) {
                        return redisUri.getTimeout();
                    }
                }
            }
        } catch (ReflectiveOperationException | RuntimeException notReadable) {
            // Lettuce's default below
        }
        return RedisURI.DEFAULT_TIMEOUT_DURATION;
    }

    private static void daemon(Runnable task) {
        Thread thread = new Thread(task, "idempotency-redis-connect");
        thread.setDaemon(true);
        thread.start();
    }

    /** The application's own connection, which the store never closes. */
    static RedisLink of(StatefulRedisConnection<byte[], byte[]> connection) {
        return new RedisLink(null, connection, null, null, "Redis (the given connection's server)",
                connection.getTimeout());
    }

    /** The application's own cluster connection, which the store never closes. */
    static RedisLink of(StatefulRedisClusterConnection<byte[], byte[]> connection) {
        return new RedisLink(null, connection, null, null, "Redis Cluster", connection.getTimeout());
    }

    /** A client of the store's own, made from {@code uri} on {@code resources}: both shut down with the store. */
    static RedisLink owning(RedisClient client, ClientResources resources, RedisURI uri) {
        RedisLink link = new RedisLink(() -> client.connectAsync(ByteArrayCodec.INSTANCE, uri).toCompletableFuture(),
                null, client, null,
                "Redis at " + describe(uri), uri.getTimeout());
        link.ownedResources = resources;
        return link;
    }

    /** Starts connecting in the background, unless connected, connecting or closed; returns at once. */
    void startConnecting() {
        if (connector != null && commands == null && !closed) {
            attempt();
        }
    }

    /** The async commands, waiting for the connect (which this starts when there is none) first. */
    RedisClusterAsyncCommands<byte[], byte[]> commands() {
        return commands(connectWait);
    }

    /** As {@link #commands()}, waiting at most {@code wait} for a connect in progress. */
    RedisClusterAsyncCommands<byte[], byte[]> commands(Duration wait) {
        RedisClusterAsyncCommands<byte[], byte[]> current = commands;
        if (current != null) {
            return current;
        }
        awaitConnect(attempt(), bound(wait) < bound(connectWait) ? wait : connectWait);
        current = commands;
        if (current == null) {
            throw new IllegalStateException("the store is closed");
        }
        return current;
    }

    /**
     * The connect in progress, or a new one when there is none, the last one failed, or it ran longer than its bound
     * (the client's timeout) without ending: a client shut down under a connect never ends it.
     */
    private synchronized CompletableFuture<StatefulConnection<byte[], byte[]>> attempt() {
        if (closed) {
            throw new IllegalStateException("the store is closed");
        }
        Attempt current = connecting;
        if (current != null && !current.shared.isCompletedExceptionally()) {
            if (current.shared.isDone() || left(current.started, attemptNanos) > 0) {
                return current.shared;
            }
            current.shared.completeExceptionally(new RedisConnectionException("connecting took longer than "
                    + TimeUnit.NANOSECONDS.toMillis(attemptNanos) + " ms"));
        }
        Attempt next = new Attempt();
        connecting = next;
        CompletableFuture<? extends StatefulConnection<byte[], byte[]>> opening;
        try {
            opening = Objects.requireNonNull(connector, "connector").get();
        } catch (RuntimeException e) {
            opening = CompletableFuture.failedFuture(e);
        }
        opening.whenComplete((opened, failure) -> settle(next, opened, failure));
        return next.shared;
    }

    /** Installs what {@code attempt} opened, unless it was abandoned or the link closed: then closes it. */
    private void settle(Attempt attempt, @Nullable StatefulConnection<byte[], byte[]> opened,
            @Nullable Throwable failure) {
        try {
            if (failure != null || opened == null) {
                Throwable cause = failure instanceof CompletionException wrapped && wrapped.getCause() != null
                        ? wrapped.getCause() : failure;
                attempt.shared.completeExceptionally(cause != null ? cause
                        : new RedisConnectionException("the connect returned no connection"));
                return;
            }
            boolean installed = false;
            synchronized (this) {
                if (!closed && connecting == attempt && !attempt.shared.isDone()) {
                    try {
                        commands = commandsOf(opened);
                        connection = opened;
                        installed = true;
                        attempt.shared.complete(opened);
                    } catch (RuntimeException e) {
                        attempt.shared.completeExceptionally(e);
                    }
                }
            }
            if (!installed) {
                // close() or a later caller gave up on this attempt: nobody will use its connection.
                opened.closeAsync();
            }
        } finally {
            attempt.settled.complete(null);
        }
    }

    /** Waits for {@code attempt}, even on an interrupted thread: it is every caller's, and bounded. */
    private static void awaitConnect(CompletableFuture<StatefulConnection<byte[], byte[]>> attempt, Duration wait) {
        long start = System.nanoTime();
        long total = bound(wait);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    attempt.get(left(start, total), TimeUnit.NANOSECONDS);
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    throw cause instanceof RedisException redis ? redis
                            : new RedisConnectionException(String.valueOf(cause), cause);
                } catch (TimeoutException e) {
                    throw new RedisConnectionException("connecting took longer than " + wait.toMillis() + " ms");
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The result of {@code future}, within the connection's timeout, whether or not the thread is interrupted. */
    <T> T await(RedisFuture<T> future) {
        Duration timeout = timeout();
        long start = System.nanoTime();
        long total = bound(timeout);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get(left(start, total), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    throw cause instanceof RedisException redis ? redis : new RedisException(cause);
                } catch (CancellationException e) {
                    throw cancelled(e);
                } catch (TimeoutException e) {
                    future.cancel(false);
                    throw new RedisCommandTimeoutException("Command timed out after " + timeout.toMillis() + " ms");
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * What a command that Lettuce cancelled means: it drops the commands it holds (sent, or waiting for a reconnect)
     * when the connection is closed, and completes them with a {@link CancellationException}, which callers must not
     * see.
     */
    RedisException cancelled(CancellationException e) {
        return new RedisException(closed ? "the command was cancelled: the store is closed"
                : "the command was cancelled (the connection was closed)", e);
    }

    Duration timeout() {
        StatefulConnection<byte[], byte[]> current = connection;
        return current != null ? current.getTimeout() : connectWait;
    }

    /**
     * Where the commands go, for messages and {@code toString()}: never a password, and never a request (a cluster's
     * nodes are the ones its open connection knows; asking the client for them would load the topology).
     */
    String where() {
        String nodes = connection instanceof StatefulRedisClusterConnection<byte[], byte[]> cluster
                ? nodes(cluster) : "";
        return nodes.isEmpty() ? where : where + " " + nodes;
    }

    /**
     * Closes the store's connection, and shuts down the client and resources it made from a URI, after the connect in
     * progress ended (a client shut down under a connect leaves the connect, and its socket, hanging). Never throws,
     * and shuts everything down on an interrupted thread too (whose flag it sets again); a close that runs while
     * another does waits for it.
     */
    @Override
    public void close() {
        boolean interrupted = Thread.interrupted();
        try {
            synchronized (closing) {
                if (!shutDown) {
                    interruptedWhileClosing = false;
                    shutDown();
                    shutDown = true;
                    interrupted |= interruptedWhileClosing | Thread.interrupted();
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void shutDown() {
        Attempt pending;
        StatefulConnection<byte[], byte[]> current;
        synchronized (this) {
            closed = true;
            pending = connecting;
            current = connection;
            commands = null;
        }
        try {
            if (pending != null) {
                // the callers waiting for it fail now: the store is closed
                pending.shared.completeExceptionally(new RedisException("the store is closed"));
            }
            if (listenedClient != null) {
                listenedClient.removeListener(addresses);
            }
            if (current != null) {
                current.removeListener(addresses);
            }
            if (ownedClient != null && pending != null) {
                // Bounded by the client's connect and handshake timeouts; what it opened is closed when it ends.
                awaitQuietly(pending.settled, attemptNanos);
            }
            if (current != null && connector != null && current.isOpen()) {
                current.close();
            }
        } catch (RuntimeException | Error ignored) {
            // close() never throws: what is left is shut down with the client below
        } finally {
            try {
                if (ownedClient != null) {
                    ownedClient.shutdown();
                }
            } catch (RuntimeException ignored) {
                // the resources below still go
            } finally {
                if (ownedResources != null) {
                    try {
                        awaitQuietly(ownedResources.shutdown(), TimeUnit.SECONDS.toNanos(5));
                    } catch (RuntimeException ignored) {
                        // nothing more to do
                    }
                }
            }
        }
    }

    private static long twice(long nanos) {
        return nanos > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : nanos * 2;
    }

    /** Waits for {@code future} at most {@code nanos}, through interrupts, which {@link #close()} sets again. */
    private void awaitQuietly(Future<?> future, long nanos) {
        long start = System.nanoTime();
        while (true) {
            try {
                future.get(left(start, nanos), TimeUnit.NANOSECONDS);
                return;
            } catch (ExecutionException | TimeoutException | CancellationException e) {
                return; // ended otherwise, or took too long: close() goes on
            } catch (InterruptedException e) {
                interruptedWhileClosing = true;
            }
        }
    }

    /** {@code duration} in nanoseconds, saturated: a timeout too long to count in nanoseconds is "no limit". */
    static long nanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException tooLong) {
            return duration.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    /**
     * A timeout of Lettuce's in nanoseconds, as Lettuce reads it: zero (or less) waits without a limit, like one too
     * long to count.
     */
    static long bound(Duration timeout) {
        return timeout.isNegative() || timeout.isZero() ? Long.MAX_VALUE : nanos(timeout);
    }

    /** What is left of {@code total} nanoseconds from {@code start} ({@link System#nanoTime()}); never overflows. */
    static long left(long start, long total) {
        return Math.max(0, total - (System.nanoTime() - start));
    }

    boolean isClosed() {
        return closed;
    }

    private static RedisClusterAsyncCommands<byte[], byte[]> commandsOf(StatefulConnection<byte[], byte[]> c) {
        if (c instanceof StatefulRedisConnection<byte[], byte[]> standalone) {
            return standalone.async();
        }
        if (c instanceof StatefulRedisClusterConnection<byte[], byte[]> cluster) {
            return cluster.async();
        }
        throw new IllegalArgumentException("not a Redis or Redis Cluster connection: " + c.getClass().getName());
    }

    private static String nodes(StatefulRedisClusterConnection<byte[], byte[]> connection) {
        try {
            StringJoiner nodes = new StringJoiner(", ", "(nodes ", ")");
            for (RedisClusterNode node : connection.getPartitions()) {
                nodes.add(node.getUri().getHost() + ":" + node.getUri().getPort());
            }
            return nodes.length() > "(nodes )".length() ? nodes.toString() : "";
        } catch (RuntimeException notYetKnown) {
            return "";
        }
    }

    private static String describe(SocketAddress address) {
        return address instanceof InetSocketAddress inet ? inet.getHostString() + ":" + inet.getPort()
                : address.toString();
    }

    /** host:port, the socket's path, or the Sentinel master and its sentinels; never the password. */
    static String describe(RedisURI uri) {
        if (uri.getSocket() != null) {
            return "unix socket " + uri.getSocket();
        }
        if (!uri.getSentinels().isEmpty()) {
            StringJoiner sentinels = new StringJoiner(", ");
            for (RedisURI sentinel : uri.getSentinels()) {
                sentinels.add(sentinel.getHost() + ":" + sentinel.getPort());
            }
            return "master '" + uri.getSentinelMasterId() + "' of the sentinels " + sentinels;
        }
        return uri.getHost() + ":" + uri.getPort();
    }
}

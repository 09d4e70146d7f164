package dev.idempotency.redis;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
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
 * attempt; one that failed is made again by the next call, and Lettuce's reconnects keep the connection up once it
 * is open. The attempt runs on a thread of its own, so that no caller's interrupt can cancel it for the others.
 * Every command is sent asynchronously and awaited here, within the connection's timeout, without giving up on an
 * interrupted thread: the command may already be on its way, and a completion that the caller gives up on would
 * leave its record {@code IN_PROGRESS} until the lease ends. The thread's interrupt flag is set again before
 * returning.
 */
final class RedisLink implements AutoCloseable {

    private final @Nullable Supplier<StatefulConnection<byte[], byte[]>> connector;
    /** How long a caller waits for the connect in progress (Lettuce bounds the attempt itself). */
    private final Duration connectWait;
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
    private @Nullable CompletableFuture<StatefulConnection<byte[], byte[]>> connecting;
    private @Nullable ClientResources ownedResources;

    private RedisLink(@Nullable Supplier<StatefulConnection<byte[], byte[]>> connector,
            @Nullable StatefulConnection<byte[], byte[]> connection, @Nullable AbstractRedisClient ownedClient,
            @Nullable AbstractRedisClient listenedClient, String where, Duration connectWait) {
        this.connector = connector;
        this.connectWait = connectWait;
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
        return new RedisLink(() -> client.connect(ByteArrayCodec.INSTANCE), null, null, client,
                "Redis (the RedisClient's server)", RedisURI.DEFAULT_TIMEOUT_DURATION);
    }

    /** A connection of the store's own on the application's cluster client; the client stays the caller's. */
    static RedisLink of(RedisClusterClient client) {
        return new RedisLink(() -> client.connect(ByteArrayCodec.INSTANCE), null, null, null, "Redis Cluster",
                RedisURI.DEFAULT_TIMEOUT_DURATION);
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
        RedisLink link = new RedisLink(() -> client.connect(ByteArrayCodec.INSTANCE), null, client, null,
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
        awaitConnect(attempt(), wait.compareTo(connectWait) < 0 ? wait : connectWait);
        current = commands;
        if (current == null) {
            throw new IllegalStateException("the store is closed");
        }
        return current;
    }

    /** The connect in progress, or a new one when there is none or the last one failed. */
    private synchronized CompletableFuture<StatefulConnection<byte[], byte[]>> attempt() {
        if (closed) {
            throw new IllegalStateException("the store is closed");
        }
        CompletableFuture<StatefulConnection<byte[], byte[]>> current = connecting;
        if (current != null && !current.isCompletedExceptionally()) {
            return current;
        }
        CompletableFuture<StatefulConnection<byte[], byte[]>> next = new CompletableFuture<>();
        connecting = next;
        Thread thread = new Thread(() -> open(next), "idempotency-redis-connect");
        thread.setDaemon(true);
        thread.start();
        return next;
    }

    private void open(CompletableFuture<StatefulConnection<byte[], byte[]>> attempt) {
        StatefulConnection<byte[], byte[]> opened;
        try {
            opened = Objects.requireNonNull(connector, "connector").get();
        } catch (RuntimeException | Error e) {
            attempt.completeExceptionally(e);
            return;
        }
        synchronized (this) {
            if (closed) {
                // close() failed the attempt already: nobody will use this connection.
                opened.closeAsync();
                return;
            }
            try {
                commands = commandsOf(opened);
                connection = opened;
                attempt.complete(opened);
            } catch (RuntimeException e) {
                opened.closeAsync();
                attempt.completeExceptionally(e);
            }
        }
    }

    /** Waits for {@code attempt}, even on an interrupted thread: it is every caller's, and bounded. */
    private static void awaitConnect(CompletableFuture<StatefulConnection<byte[], byte[]>> attempt, Duration wait) {
        long start = System.nanoTime();
        long total = nanos(wait);
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
        long total = nanos(timeout);
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
        return current != null ? current.getTimeout() : RedisURI.DEFAULT_TIMEOUT_DURATION;
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

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (connecting != null) {
            connecting.completeExceptionally(new RedisException("the store is closed"));
        }
        StatefulConnection<byte[], byte[]> current = connection;
        if (listenedClient != null) {
            listenedClient.removeListener(addresses);
        }
        if (current != null) {
            current.removeListener(addresses);
            if (connector != null && current.isOpen()) {
                current.close();
            }
        }
        commands = null;
        if (ownedClient != null) {
            ownedClient.shutdown();
        }
        if (ownedResources != null) {
            ownedResources.shutdown();
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

package dev.idempotency.redis;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
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
 * The store's one connection, standalone or to a cluster: opened at the first operation (so a store can be built
 * while Redis is down, and an operation fails, not the build), opened again at the next operation when that failed,
 * and kept up by Lettuce's reconnects once open. Every command is sent asynchronously and awaited here, within the
 * connection's timeout, without giving up on an interrupted thread: the command may already be on its way, and a
 * completion that the caller gives up on would leave its record {@code IN_PROGRESS} until the lease ends. The
 * thread's interrupt flag is set again before returning.
 */
final class RedisLink implements AutoCloseable {

    private final @Nullable Supplier<StatefulConnection<byte[], byte[]>> connector;
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
    private final Supplier<String> clusterNodes;
    private volatile @Nullable StatefulConnection<byte[], byte[]> connection;
    private volatile @Nullable RedisClusterAsyncCommands<byte[], byte[]> commands;
    private volatile String where;
    private volatile boolean closed;
    private @Nullable ClientResources ownedResources;

    private RedisLink(@Nullable Supplier<StatefulConnection<byte[], byte[]>> connector,
            @Nullable StatefulConnection<byte[], byte[]> connection, @Nullable AbstractRedisClient ownedClient,
            @Nullable AbstractRedisClient listenedClient, String where, Supplier<String> clusterNodes) {
        this.connector = connector;
        this.ownedClient = ownedClient;
        this.listenedClient = listenedClient;
        this.where = where;
        this.clusterNodes = clusterNodes;
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
                "Redis (the RedisClient's server)", () -> "");
    }

    /** A connection of the store's own on the application's cluster client; the client stays the caller's. */
    static RedisLink of(RedisClusterClient client) {
        return new RedisLink(() -> client.connect(ByteArrayCodec.INSTANCE), null, null, null, "Redis Cluster",
                () -> nodes(client));
    }

    /** The application's own connection, which the store never closes. */
    static RedisLink of(StatefulRedisConnection<byte[], byte[]> connection) {
        return new RedisLink(null, connection, null, null, "Redis (the given connection's server)", () -> "");
    }

    /** The application's own cluster connection, which the store never closes. */
    static RedisLink of(StatefulRedisClusterConnection<byte[], byte[]> connection) {
        return new RedisLink(null, connection, null, null, "Redis Cluster", () -> "");
    }

    /** A client of the store's own, made from {@code uri} on {@code resources}: both shut down with the store. */
    static RedisLink owning(RedisClient client, ClientResources resources, RedisURI uri) {
        RedisLink link = new RedisLink(() -> client.connect(ByteArrayCodec.INSTANCE), null, client, null,
                "Redis at " + describe(uri), () -> "");
        link.ownedResources = resources;
        return link;
    }

    /** The async commands, connecting first when there is no connection yet. */
    RedisClusterAsyncCommands<byte[], byte[]> commands() {
        RedisClusterAsyncCommands<byte[], byte[]> current = commands;
        return current != null ? current : connect();
    }

    private synchronized RedisClusterAsyncCommands<byte[], byte[]> connect() {
        if (closed) {
            throw new IllegalStateException("the store is closed");
        }
        RedisClusterAsyncCommands<byte[], byte[]> current = commands;
        if (current != null) {
            return current;
        }
        StatefulConnection<byte[], byte[]> opened = Objects.requireNonNull(connector, "connector").get();
        connection = opened;
        current = commandsOf(opened);
        commands = current;
        return current;
    }

    /** The result of {@code future}, within the connection's timeout, whether or not the thread is interrupted. */
    <T> T await(RedisFuture<T> future) {
        Duration timeout = timeout();
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    throw cause instanceof RedisException redis ? redis : new RedisException(cause);
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

    Duration timeout() {
        StatefulConnection<byte[], byte[]> current = connection;
        return current != null ? current.getTimeout() : RedisURI.DEFAULT_TIMEOUT_DURATION;
    }

    /** Where the commands go, for messages: never a password. */
    String where() {
        String nodes = clusterNodes.get();
        return nodes.isEmpty() ? where : where + " " + nodes;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
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

    private static String nodes(RedisClusterClient client) {
        try {
            StringJoiner nodes = new StringJoiner(", ", "(nodes ", ")");
            for (RedisClusterNode node : client.getPartitions()) {
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

package dev.idempotency.redis.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

/**
 * A Redis Cluster of three primaries (no replicas) on 127.0.0.1, each a {@link RedisServerProcess} with
 * {@code cluster-enabled yes}: the 16,384 slots split in three, the nodes introduced with {@code CLUSTER MEET}, and
 * ready once every node reports {@code cluster_state:ok}. Takes about a second.
 */
public final class RedisClusterProcess implements AutoCloseable {

    private static final int SLOTS = 16_384;
    private static final long READY_TIMEOUT_SECONDS = 30;

    private final List<RedisServerProcess> nodes;
    private final Path directory;

    private RedisClusterProcess(List<RedisServerProcess> nodes, Path directory) {
        this.nodes = nodes;
        this.directory = directory;
    }

    public static RedisClusterProcess start() throws IOException, InterruptedException {
        Path directory = Files.createTempDirectory("redis-cluster");
        List<RedisServerProcess> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Path node = Files.createDirectories(directory.resolve("node-" + i));
                nodes.add(RedisServerProcess.start(0, List.of("--save", "", "--appendonly", "no",
                        "--cluster-enabled", "yes", "--dir", node.toString(),
                        "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000")));
            }
            RedisClusterProcess cluster = new RedisClusterProcess(List.copyOf(nodes), directory);
            cluster.form();
            return cluster;
        } catch (IOException | InterruptedException | RuntimeException e) {
            nodes.forEach(RedisServerProcess::close);
            throw e;
        }
    }

    private void form() throws InterruptedException, IOException {
        RedisClient client = RedisClient.create();
        try {
            List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();
            for (RedisServerProcess node : nodes) {
                connections.add(client.connect(RedisURI.create(node.uri())));
            }
            for (int i = 0; i < nodes.size(); i++) {
                int from = SLOTS * i / nodes.size();
                int to = SLOTS * (i + 1) / nodes.size();
                int[] slots = new int[to - from];
                for (int slot = from; slot < to; slot++) {
                    slots[slot - from] = slot;
                }
                connections.get(i).sync().clusterAddSlots(slots);
            }
            for (int i = 1; i < nodes.size(); i++) {
                connections.get(0).sync().clusterMeet("127.0.0.1", nodes.get(i).port());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_TIMEOUT_SECONDS);
            while (!allOk(connections)) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("the cluster did not reach cluster_state:ok within "
                            + READY_TIMEOUT_SECONDS + " s");
                }
                Thread.sleep(20);
            }
            connections.forEach(StatefulRedisConnection::close);
        } finally {
            client.shutdown();
        }
    }

    private static boolean allOk(List<StatefulRedisConnection<String, String>> connections) {
        for (StatefulRedisConnection<String, String> connection : connections) {
            RedisCommands<String, String> node = connection.sync();
            if (!node.clusterInfo().contains("cluster_state:ok")
                    || node.clusterNodes().lines().filter(line -> !line.isBlank()).count() != connections.size()) {
                return false;
            }
        }
        return true;
    }

    /** The nodes' URIs, as seeds for a {@code RedisClusterClient}. */
    public List<RedisURI> uris() {
        return nodes.stream().map(node -> RedisURI.create(node.uri())).toList();
    }

    public List<RedisServerProcess> nodes() {
        return nodes;
    }

    @Override
    public void close() {
        nodes.forEach(RedisServerProcess::close);
        try (var files = Files.walk(directory)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory: the OS cleans it up
        }
    }
}

package dev.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.redis.testing.RedisClusterProcess;
import dev.idempotency.redis.testing.RedisExtension;
import dev.idempotency.redis.testing.RedisServerProcess;
import dev.idempotency.store.AbstractIdempotencyStoreContractTest;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.IdempotencyStore;
import dev.idempotency.store.RecordStatus;

import io.lettuce.core.RedisClient;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;

/**
 * The whole store contract on a Redis Cluster of three primaries, through {@link RedisClusterClient}: every
 * operation touches one key, so each script runs on the node that owns it, and the records spread over every node.
 */
@ExtendWith(RedisExtension.class)
class RedisClusterIdempotencyStoreIntegrationTest extends AbstractIdempotencyStoreContractTest {

    private static RedisClusterProcess cluster;
    private static RedisClusterClient client;

    @BeforeAll
    static void connect(RedisClusterProcess redisCluster) {
        cluster = redisCluster;
        client = RedisClusterClient.create(cluster.uris());
    }

    @AfterAll
    static void disconnect() {
        client.shutdown();
    }

    /** Each test's store opened a connection of its own on the shared client. */
    @AfterEach
    void closeStore() {
        ((RedisIdempotencyStore) store).close();
    }

    @Override
    protected IdempotencyStore createStore() {
        return RedisIdempotencyStore.builder().client(client).build();
    }

    /** Fewer claims than on one server: each of the 16 threads' commands may be redirected, and 2 cores run 3 nodes. */
    @Override
    protected int fuzzOperations() {
        return 2_000;
    }

    @Test
    void spreadsRecordsOverEveryNode() {
        for (int i = 0; i < 30; i++) {
            store.claim(inProgress("spread#" + UUID.randomUUID(), "t"), now());
        }

        for (RedisServerProcess node : cluster.nodes()) {
            RedisClient nodeClient = RedisClient.create(node.uri());
            try (var connection = nodeClient.connect()) {
                assertThat(connection.sync().dbsize()).as("keys on the node at port %d", node.port()).isPositive();
            } finally {
                nodeClient.shutdown();
            }
        }
    }

    @Test
    void worksOnAClusterConnectionOfTheApplicationsAndLeavesItOpen() {
        StatefulRedisClusterConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE);
        try {
            IdempotencyRecord claim = inProgress(newId(), "owner");
            try (RedisIdempotencyStore own = RedisIdempotencyStore.builder().connection(connection).build()) {
                assertThat(own.claim(claim, now()).isClaimed()).isTrue();
                assertThat(own.complete(claim.finish(RecordStatus.COMPLETED, bytes("r"), claim.expiresAt())))
                        .isTrue();
            }
            assertThat(connection.isOpen()).isTrue();
            assertThat(store.find(claim.id()).orElseThrow().status()).isEqualTo(RecordStatus.COMPLETED);
        } finally {
            connection.close();
        }
    }
}

package dev.idempotency.benchmarks;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.benchmarks.Fixtures.Receipt;
import dev.idempotency.redis.RawRedisCommands;
import dev.idempotency.redis.RedisIdempotencyStore;
import dev.idempotency.redis.testing.RedisServerProcess;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.RecordStatus;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.event.command.CommandListener;
import io.lettuce.core.event.command.CommandStartedEvent;

/**
 * The Redis store on a local redis-server 7.0 (from the embedded-redis jar) with 8 threads. First calls and
 * duplicates each run side by side with the commands they are made of, sent raw on one shared connection (the store's
 * claim and complete scripts by EVALSHA, and for the duplicate the claim script that loses), in one group of 4 + 4
 * threads against the same server at the same time, so both see the same warm-up and load. Beside them: a plain
 * {@code SET NX PX}, the least a claim could cost. The aux counter {@code storeRequests} counts the commands sent,
 * so commands per call = storeRequests / score.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 4, time = 3)
@Fork(1)
@Threads(8)
public class RedisBenchmark {

    /** Lettuce tells the listener on the thread that sends the command: each thread counts its own. */
    private static final ThreadLocal<Requests> CURRENT = new ThreadLocal<>();

    private static final HexFormat HEX = HexFormat.of();
    /** A SHA-256 in hex, as the engine writes. */
    private static final String FINGERPRINT = "0123456789abcdef".repeat(4);
    private static final byte[] RESULT =
            "{\"orderId\":\"order-0001\",\"amountCents\":2500}".getBytes(StandardCharsets.UTF_8);
    private static final Duration TTL = Duration.ofHours(1);
    private static final Duration LEASE = Duration.ofMinutes(1);

    /** One server, client, store and engine for every thread. */
    @State(Scope.Benchmark)
    public static class Server {
        RedisServerProcess redis;
        RedisClient client;
        StatefulRedisConnection<byte[], byte[]> raw;
        RedisIdempotencyStore store;
        IdempotentOperation<Receipt> firstCalls;
        IdempotentOperation<Receipt> duplicates;
        IdempotencyRecord hot;
        final AtomicLong threads = new AtomicLong();

        @Setup
        public void setUp() throws Exception {
            // The server keeps nothing on disk, and holds the records of every first call for an hour.
            redis = RedisServerProcess.start();
            client = RedisClient.create(redis.uri());
            client.addListener(new CommandListener() {
                @Override
                public void commandStarted(CommandStartedEvent event) {
                    Requests requests = CURRENT.get();
                    if (requests != null) {
                        requests.storeRequests++;
                    }
                }
            });
            raw = client.connect(ByteArrayCodec.INSTANCE);
            store = RedisIdempotencyStore.builder().client(client).build();
            IdempotencyConfig noCache = IdempotencyConfig.builder().localCacheEnabled(false).ttl(TTL).lease(LEASE)
                    .build();
            firstCalls = Idempotency.builder().store(store).config(noCache).build()
                    .operation("bench.redis.first", Receipt.class).build();
            duplicates = Idempotency.builder().store(store).config(noCache).build()
                    .operation("bench.redis.duplicate", Receipt.class).build();
            for (int key = 0; key < 64; key++) {
                duplicates.execute(key, Fixtures.ORDER, () -> Fixtures.charge(Fixtures.ORDER));
            }
            raw.sync().scriptLoad(RawRedisCommands.claimScript());
            raw.sync().scriptLoad(RawRedisCommands.completeScript());
            hot = claim("bench.redis.raw-hot#" + HEX.formatHex(new byte[32]), Instant.now());
            rawClaim(raw.sync(), hot, Instant.now());
            raw.sync().evalsha(RawRedisCommands.completeSha1(), ScriptOutputType.INTEGER, new byte[][] {key(hot)},
                    RawRedisCommands.pack(hot.finish(RecordStatus.COMPLETED, RESULT, hot.expiresAt())),
                    RawRedisCommands.token(hot.claimToken()));
        }

        @TearDown
        public void tearDown() {
            store.close();
            raw.close();
            client.shutdown();
            redis.close();
        }
    }

    /** Each thread's own key range. */
    @State(Scope.Thread)
    public static class Keys {
        long next;
        int hot;

        @Setup
        public void setUp(Server server) {
            next = server.threads.incrementAndGet() << 40;
        }
    }

    /** Commands this thread sent during the iteration, reported beside its calls per second. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Requests {
        public long storeRequests;

        @Setup(Level.Iteration)
        public void start() {
            storeRequests = 0;
            CURRENT.set(this);
        }
    }

    @Benchmark
    @Group("firstCallsBesideRaw")
    @GroupThreads(4)
    public Receipt firstCalls(Server server, Keys keys, Requests requests) {
        return server.firstCalls.execute(keys.next++, Fixtures.ORDER, () -> Fixtures.charge(Fixtures.ORDER));
    }

    /** The claim and complete scripts by EVALSHA, as the store sends them, without the engine or the store. */
    @Benchmark
    @Group("firstCallsBesideRaw")
    @GroupThreads(4)
    public Object rawClaimThenComplete(Server server, Requests requests) {
        Instant now = Instant.now();
        IdempotencyRecord claim = claim(recordIdLikeTheEngines(), now);
        RedisCommands<byte[], byte[]> redis = server.raw.sync();
        rawClaim(redis, claim, now);
        return redis.evalsha(RawRedisCommands.completeSha1(), ScriptOutputType.INTEGER, new byte[][] {key(claim)},
                RawRedisCommands.pack(claim.finish(RecordStatus.COMPLETED, RESULT, claim.expiresAt())),
                RawRedisCommands.token(claim.claimToken()));
    }

    @Benchmark
    @Group("duplicatesBesideRaw")
    @GroupThreads(4)
    public Receipt duplicatesFromStore(Server server, Keys keys, Requests requests) {
        keys.hot = (keys.hot + 1) & 63;
        return server.duplicates.execute(keys.hot, Fixtures.ORDER, () -> Fixtures.charge(Fixtures.ORDER));
    }

    /** The claim script losing to a completed record, which it returns. */
    @Benchmark
    @Group("duplicatesBesideRaw")
    @GroupThreads(4)
    public Object rawLosingClaim(Server server, Requests requests) {
        Instant now = Instant.now();
        IdempotencyRecord claim = IdempotencyRecord.inProgress(server.hot.id(), FINGERPRINT,
                UUID.randomUUID().toString(), now.plus(TTL), now.plus(LEASE));
        return rawClaim(server.raw.sync(), claim, now);
    }

    /** The least a claim could cost: SET NX with an expiry, no script. */
    @Benchmark
    public Object rawSetNx(Server server, Keys keys, Requests requests) {
        return server.raw.sync().set(("bench.redis.setnx#" + keys.next++).getBytes(StandardCharsets.UTF_8), RESULT,
                SetArgs.Builder.nx().px(TTL.toMillis()));
    }

    private static Object rawClaim(RedisCommands<byte[], byte[]> redis, IdempotencyRecord claim, Instant now) {
        return redis.evalsha(RawRedisCommands.claimSha1(), ScriptOutputType.VALUE, new byte[][] {key(claim)},
                RawRedisCommands.claimArguments(claim, now));
    }

    private static IdempotencyRecord claim(String id, Instant now) {
        Instant retainUntil = Instant.ofEpochSecond(now.plus(TTL).getEpochSecond() + 1);
        return IdempotencyRecord.inProgress(id, FINGERPRINT, UUID.randomUUID().toString(), retainUntil,
                now.plus(LEASE));
    }

    private static byte[] key(IdempotencyRecord record) {
        return (RedisIdempotencyStore.DEFAULT_KEY_PREFIX + record.id()).getBytes(StandardCharsets.UTF_8);
    }

    /** An id shaped as the engine writes them, {@code namespace#<64 hex digits>}, random as hashed keys are. */
    private static String recordIdLikeTheEngines() {
        byte[] hash = new byte[32];
        ThreadLocalRandom.current().nextBytes(hash);
        return "bench.redis.raw#" + HEX.formatHex(hash);
    }
}

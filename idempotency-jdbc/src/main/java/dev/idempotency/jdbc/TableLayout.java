package dev.idempotency.jdbc;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Where each field of a record lives: the table and its columns, and the statements a dialect runs on them. Names
 * are plain SQL identifiers, checked by the builder, so they are written into statements unquoted: the database folds
 * them as it folds the names of the shipped schema (PostgreSQL to lower case, H2 to upper case).
 */
record TableLayout(
        String tableName,
        String idColumn,
        String statusColumn,
        String fingerprintColumn,
        String claimTokenColumn,
        String expiresAtColumn,
        String leaseExpiresAtColumn,
        String resultColumn) {

    /** The longest id a record may have, in characters: the engine's are at most 255 + 1 + 64 = 320. */
    static final int MAX_ID_LENGTH = 512;
    /** The longest fingerprint (the engine's is a 64-character SHA-256). */
    static final int MAX_FINGERPRINT_LENGTH = 256;
    /** The longest claim token (the engine's is a 36-character UUID). */
    static final int MAX_CLAIM_TOKEN_LENGTH = 128;
    /** PostgreSQL's identifier limit (NAMEDATALEN - 1); longer names are cut without an error. */
    static final int MAX_IDENTIFIER_LENGTH = 63;

    static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
    static final Pattern TABLE_NAME = Pattern.compile("([A-Za-z_][A-Za-z0-9_]{0,62}\\.)?[A-Za-z_][A-Za-z0-9_]{0,62}");

    /** The status a claim writes, as a literal of every statement that needs it. */
    private static final String IN_PROGRESS = "'IN_PROGRESS'";
    /**
     * How long a claim on the store's own connection waits at most on PostgreSQL for the row lock of a transaction
     * that has not committed (a transactional completion): then it reads the committed row, which does not wait.
     */
    static final long CLAIM_LOCK_WAIT_MILLIS = 200;

    /** The table's name without its schema. */
    String bareTableName() {
        int dot = tableName.indexOf('.');
        return dot < 0 ? tableName : tableName.substring(dot + 1);
    }

    /** The index on the expiry, which purges use: {@code <table>_expires_at}, cut to the identifier limit. */
    String expiryIndexName() {
        String name = bareTableName() + "_" + expiresAtColumn;
        return name.length() <= MAX_IDENTIFIER_LENGTH ? name : name.substring(0, MAX_IDENTIFIER_LENGTH);
    }

    /** The columns a read returns, in the order {@link JdbcIdempotencyStore} reads them. */
    private String recordColumns(String prefix) {
        return prefix + statusColumn + ", " + prefix + fingerprintColumn + ", " + prefix + claimTokenColumn + ", "
                + prefix + expiresAtColumn + ", " + prefix + leaseExpiresAtColumn + ", " + prefix + resultColumn;
    }

    /** A query that reads no row but names the table and every column of the store: for health checks. */
    String check() {
        return "SELECT " + idColumn + ", " + recordColumns("") + " FROM " + tableName + " WHERE 1 = 0";
    }

    /** Claimable at the caller's time: expired, or IN_PROGRESS with an expired lease (epoch seconds, millis). */
    private String claimable(String prefix) {
        return prefix + expiresAtColumn + " <= ? OR (" + prefix + statusColumn + " = " + IN_PROGRESS + " AND "
                + prefix + leaseExpiresAtColumn + " <= ?)";
    }

    Statements statements(JdbcDialect dialect) {
        String owned = " WHERE " + idColumn + " = ? AND " + claimTokenColumn + " = ? AND " + statusColumn + " = "
                + IN_PROGRESS;
        String complete = "UPDATE " + tableName + " SET " + statusColumn + " = ?, " + expiresAtColumn + " = ?, "
                + leaseExpiresAtColumn + " = NULL, " + resultColumn + " = ?" + owned;
        String release = "DELETE FROM " + tableName + owned;
        String find = "SELECT " + recordColumns("") + " FROM " + tableName + " WHERE " + idColumn + " = ?";
        return switch (dialect) {
            case POSTGRESQL -> new Statements(postgresClaim(true), postgresClaim(false), complete, release, find,
                    postgresPurge());
            case H2 -> new Statements(h2Claim(), h2Claim(), complete, release, find, h2Purge());
        };
    }

    /**
     * One statement: the upsert claims when there is no row or the row is claimable (the {@code DO UPDATE ... WHERE}
     * runs on the latest committed row version, under its row lock, so exactly one of racing claims wins), and the
     * outer query then returns either {@code claimed = true} or the row that stands in the way. That row is read with
     * the statement's snapshot: a row committed by another transaction after the snapshot was taken is not visible
     * (no row comes back) and a row changed since may come back in its earlier version; the store reads again then.
     *
     * <p>With {@code boundedLockWait} (the claim on a connection of the store's own), the inserted row comes from a
     * subquery that first sets {@code lock_timeout} for the statement's own transaction
     * ({@code set_config(..., true)}), so that a claim never waits longer than {@link #CLAIM_LOCK_WAIT_MILLIS} on the
     * row lock of a transaction that has not committed yet (a transactional completion), in the same statement and
     * round trip. Without it (the claim in the caller's transaction, which holds the row lock itself), the setting
     * would outlive the claim in the caller's transaction.
     *
     * <p>Parameters: id, fingerprint, claim token, expires at, lease expires at, now (seconds), now (millis), id.
     */
    private String postgresClaim(boolean boundedLockWait) {
        String t = "r.";
        String row = boundedLockWait
                ? " SELECT ?, " + IN_PROGRESS + ", ?, ?, ?, ?, NULL FROM (SELECT set_config('lock_timeout', '"
                        + CLAIM_LOCK_WAIT_MILLIS + "ms', true)) AS bounded_lock_wait"
                : " VALUES (?, " + IN_PROGRESS + ", ?, ?, ?, ?, NULL)";
        return "WITH claim AS (INSERT INTO " + tableName + " AS r (" + idColumn + ", " + statusColumn + ", "
                + fingerprintColumn + ", " + claimTokenColumn + ", " + expiresAtColumn + ", " + leaseExpiresAtColumn
                + ", " + resultColumn + ")" + row
                + " ON CONFLICT (" + idColumn + ") DO UPDATE SET "
                + statusColumn + " = EXCLUDED." + statusColumn + ", "
                + fingerprintColumn + " = EXCLUDED." + fingerprintColumn + ", "
                + claimTokenColumn + " = EXCLUDED." + claimTokenColumn + ", "
                + expiresAtColumn + " = EXCLUDED." + expiresAtColumn + ", "
                + leaseExpiresAtColumn + " = EXCLUDED." + leaseExpiresAtColumn + ", "
                + resultColumn + " = NULL"
                + " WHERE " + claimable(t) + " RETURNING 1)"
                + " SELECT TRUE, NULL, NULL, NULL, NULL, NULL, NULL FROM claim"
                + " UNION ALL SELECT FALSE, " + recordColumns("") + " FROM " + tableName + " WHERE " + idColumn
                + " = ? AND NOT EXISTS (SELECT 1 FROM claim)";
    }

    /**
     * One {@code MERGE}: one row updated or inserted is a claim; none means a live record stands in the way. Two
     * racing inserts of a new key end in a duplicate key error for the loser, which claims again.
     *
     * <p>Parameters: id, now (seconds), now (millis), fingerprint, claim token, expires at, lease expires at, id,
     * fingerprint, claim token, expires at, lease expires at.
     */
    private String h2Claim() {
        String values = "?, ?, ?, ?";
        return "MERGE INTO " + tableName + " AS r USING (VALUES (CAST(? AS VARCHAR(" + MAX_ID_LENGTH + "))))"
                + " AS s(id) ON r." + idColumn + " = s.id"
                + " WHEN MATCHED AND (" + claimable("r.") + ") THEN UPDATE SET "
                + statusColumn + " = " + IN_PROGRESS + ", " + fingerprintColumn + " = ?, " + claimTokenColumn
                + " = ?, " + expiresAtColumn + " = ?, " + leaseExpiresAtColumn + " = ?, " + resultColumn + " = NULL"
                + " WHEN NOT MATCHED THEN INSERT (" + idColumn + ", " + statusColumn + ", " + fingerprintColumn + ", "
                + claimTokenColumn + ", " + expiresAtColumn + ", " + leaseExpiresAtColumn + ", " + resultColumn
                + ") VALUES (?, " + IN_PROGRESS + ", " + values + ", NULL)";
    }

    /**
     * Deletes at most {@code limit} expired rows, found through the expiry index; rows locked by a running claim
     * are skipped, and the outer condition holds again on the row as it is when deleted. Parameters: now (seconds),
     * limit, now (seconds).
     */
    private String postgresPurge() {
        return "DELETE FROM " + tableName + " WHERE " + idColumn + " IN (SELECT " + idColumn + " FROM " + tableName
                + " WHERE " + expiresAtColumn + " <= ? ORDER BY " + expiresAtColumn
                + " LIMIT ? FOR UPDATE SKIP LOCKED) AND " + expiresAtColumn + " <= ?";
    }

    /** Parameters: now (seconds), limit. */
    private String h2Purge() {
        return "DELETE FROM " + tableName + " WHERE " + expiresAtColumn + " <= ? FETCH FIRST ? ROWS ONLY";
    }

    /** The statements that create the table and its expiry index when they do not exist. */
    List<String> createStatements(JdbcDialect dialect) {
        String idType = dialect == JdbcDialect.POSTGRESQL
                ? "VARCHAR(" + MAX_ID_LENGTH + ") COLLATE \"C\"" : "VARCHAR(" + MAX_ID_LENGTH + ")";
        String resultType = dialect == JdbcDialect.POSTGRESQL ? "BYTEA" : "VARBINARY";
        // No CHECK on H2: H2 2.4 (Spring Boot 4.0's) fails every write once the session that created a CHECK
        // constraint has closed ("Check constraint invalid"). The store writes only the three statuses anyway.
        String statusCheck = dialect == JdbcDialect.POSTGRESQL
                ? " CHECK (" + statusColumn + " IN ('IN_PROGRESS', 'COMPLETED', 'FAILED'))" : "";
        String table = "CREATE TABLE IF NOT EXISTS " + tableName + " (\n"
                + "    " + idColumn + " " + idType + " PRIMARY KEY,\n"
                + "    " + statusColumn + " VARCHAR(16) NOT NULL" + statusCheck + ",\n"
                + "    " + fingerprintColumn + " VARCHAR(" + MAX_FINGERPRINT_LENGTH + ") NOT NULL,\n"
                + "    " + claimTokenColumn + " VARCHAR(" + MAX_CLAIM_TOKEN_LENGTH + ") NOT NULL,\n"
                + "    " + expiresAtColumn + " BIGINT NOT NULL,\n"
                + "    " + leaseExpiresAtColumn + " BIGINT,\n"
                + "    " + resultColumn + " " + resultType + "\n"
                + ")";
        String index = "CREATE INDEX IF NOT EXISTS " + expiryIndexName() + " ON " + tableName + " ("
                + expiresAtColumn + ")";
        return List.of(table, index);
    }

    /** The SQL text of each operation in one dialect. */
    record Statements(String claim, String claimInTransaction, String complete, String release, String find,
            String purge) {
    }
}

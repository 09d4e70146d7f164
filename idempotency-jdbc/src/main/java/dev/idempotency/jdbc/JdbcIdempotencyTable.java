package dev.idempotency.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.idempotency.IdempotencyStoreException;

/**
 * The table a {@link JdbcIdempotencyStore} needs: its schema as SQL, and an opt-in create-if-missing. Production
 * schemas usually come from migrations (Flyway, Liquibase): copy {@link JdbcDialect#schemaResource()} (the default
 * names) or {@link #schema} (the store's names) into one.
 *
 * <pre>{@code
 * JdbcIdempotencyTable.create(store);
 * }</pre>
 */
public final class JdbcIdempotencyTable {

    private static final Logger log = LoggerFactory.getLogger(JdbcIdempotencyTable.class);

    private JdbcIdempotencyTable() {
    }

    /**
     * The statements that create the table {@code store} uses, with its names, and the index on the expiry column
     * that purges use, as one script ({@code CREATE TABLE IF NOT EXISTS ...; CREATE INDEX IF NOT EXISTS ...;}).
     */
    public static String schema(JdbcIdempotencyStore store, JdbcDialect dialect) {
        Objects.requireNonNull(store, "store must not be null");
        Objects.requireNonNull(dialect, "dialect must not be null");
        return String.join(";\n\n", store.layout().createStatements(dialect)) + ";\n";
    }

    /**
     * Creates the table and its expiry index where the table does not exist yet. Safe to call at every start: an
     * existing table is checked to have every column the store reads, and left as it is.
     *
     * @return {@code true} when this call created the table, {@code false} when it existed already
     * @throws IdempotencyStoreException when the database cannot be reached, refuses to create the table, or the
     *                                   existing table lacks a column of the store
     */
    public static boolean create(JdbcIdempotencyStore store) {
        Objects.requireNonNull(store, "store must not be null");
        TableLayout layout = store.layout();
        return store.withOwnConnection("create the table", (connection, sql) -> {
            if (exists(connection, sql.statements().find())) {
                return false;
            }
            List<String> statements = layout.createStatements(sql.dialect());
            try (Statement statement = connection.createStatement()) {
                for (String ddl : statements) {
                    statement.execute(ddl);
                }
            } catch (SQLException e) {
                // Another instance may have created it at the same time.
                if (!connection.getAutoCommit()) {
                    connection.rollback();
                }
                if (exists(connection, sql.statements().find())) {
                    return false;
                }
                throw e;
            }
            log.info("Created table '{}' in {} for idempotency records, with index '{}' on '{}'", layout.tableName(),
                    store.failures().where(), layout.expiryIndexName(), layout.expiresAtColumn());
            return true;
        });
    }

    /**
     * Whether the table exists, by reading no row with every column the store reads: a missing column fails here,
     * plainly, rather than at the first call.
     */
    private static boolean exists(Connection connection, String find) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(find)) {
            statement.setString(1, "");
            statement.executeQuery().close();
            return true;
        } catch (SQLException e) {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            if (state.equals("42P01") || state.equals("42S02") || state.equals("42S04")) {
                if (!connection.getAutoCommit()) {
                    connection.rollback();
                }
                return false;
            }
            throw e;
        }
    }
}

package dev.idempotency.jdbc;

import java.util.Locale;

import org.jspecify.annotations.Nullable;

/**
 * The databases {@link JdbcIdempotencyStore} speaks to, and how each claims a key.
 *
 * <ul>
 *   <li>{@link #POSTGRESQL}: a claim is one statement, {@code INSERT ... ON CONFLICT ... DO UPDATE ... WHERE
 *       <claimable>} in a common table expression whose outer query returns the row that stands in the way when the
 *       claim loses, so a duplicate costs one statement.</li>
 *   <li>{@link #H2}: a claim is one {@code MERGE}; a duplicate costs a second statement, a {@code SELECT} of the
 *       record, since H2 cannot return the row a {@code MERGE} left alone.</li>
 * </ul>
 */
public enum JdbcDialect {

    /** PostgreSQL 9.5 and later ({@code ON CONFLICT}); tested on 14. */
    POSTGRESQL("PostgreSQL", "schema-postgresql.sql"),
    /** H2 2.x, the embedded database of development and tests. */
    H2("H2", "schema-h2.sql");

    private final String productName;
    private final String schemaResource;

    JdbcDialect(String productName, String schemaResource) {
        this.productName = productName;
        this.schemaResource = schemaResource;
    }

    /** The database product, as JDBC names it: {@code PostgreSQL}, {@code H2}. */
    public String productName() {
        return productName;
    }

    /**
     * The class-path resource with this database's schema for the default table and column names, to copy into a
     * Flyway or Liquibase migration: {@code dev/idempotency/jdbc/schema-postgresql.sql}.
     */
    public String schemaResource() {
        return "dev/idempotency/jdbc/" + schemaResource;
    }

    /** The dialect of a database product name ({@code DatabaseMetaData.getDatabaseProductName()}); null if none. */
    static @Nullable JdbcDialect ofProductName(String productName) {
        String name = productName.toLowerCase(Locale.ROOT);
        if (name.contains("postgres")) {
            return POSTGRESQL;
        }
        if (name.equals("h2")) {
            return H2;
        }
        return null;
    }
}

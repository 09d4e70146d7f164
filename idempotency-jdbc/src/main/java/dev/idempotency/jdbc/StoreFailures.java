package dev.idempotency.jdbc;

import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;

import dev.idempotency.IdempotencyStoreException;

/**
 * Turns what JDBC throws into {@link IdempotencyStoreException}s that name the table, the database (its product and
 * host, from the connection URL without credentials) and what to do. Messages carry SQL states and the driver's
 * text, never keys or results: statements bind every value as a parameter, and ids are hashes. A password of a JDBC
 * URL is masked wherever the URL shows ({@link #mask}), in the driver's text and in the cause kept, too.
 */
final class StoreFailures {

    /** {@code //host:port/database} of a URL; what comes before an {@code @} (user and password) is dropped. */
    private static final Pattern HOST = Pattern.compile("//(?:[^/@?;]*@)?([^/?;]*)(/[^?;]*)?");

    /** {@code password=secret} in a URL's parameters (PostgreSQL's {@code ?...&}, H2's {@code ;...}). */
    private static final Pattern PASSWORD_PARAMETER = Pattern.compile(
            "(?i)\\b((?:password|passwd|pwd|sslpassword|sslkeypassword|key_password)\\s*=)[^&;\\s]*");
    /** {@code //user:secret@host}: the password runs to the URL's last {@code @}. */
    private static final Pattern USER_INFO = Pattern.compile("(//[^/:@\\s]*:)\\S*@");

    private final TableLayout layout;
    private volatile String where;

    StoreFailures(TableLayout layout, String where) {
        this.layout = layout;
        this.where = where;
    }

    /** Where the database is, for messages: {@code PostgreSQL at 127.0.0.1:5432/orders}. */
    String where() {
        return where;
    }

    void where(String where) {
        this.where = where;
    }

    /**
     * The database's product and location from a JDBC URL, without user, password or other parameters:
     * {@code jdbc:postgresql://user:secret@db:5432/orders?password=x} gives {@code db:5432/orders}, and
     * {@code jdbc:h2:mem:orders;DB_CLOSE_DELAY=-1} gives {@code mem:orders}.
     */
    static String describe(String product, @Nullable String url) {
        if (url == null || url.isBlank()) {
            return product;
        }
        url = mask(url);
        Matcher host = HOST.matcher(url);
        if (host.find()) {
            return product + " at " + host.group(1) + (host.group(2) == null ? "" : host.group(2));
        }
        // jdbc:h2:mem:name;options, jdbc:h2:file:/path;options: the part after the product, without options.
        String rest = url.startsWith("jdbc:") ? url.substring(5) : url;
        int colon = rest.indexOf(':');
        rest = colon < 0 ? rest : rest.substring(colon + 1);
        int options = rest.indexOf(';');
        rest = options < 0 ? rest : rest.substring(0, options);
        int query = rest.indexOf('?');
        return product + " at " + (query < 0 ? rest : rest.substring(0, query));
    }

    /**
     * Where a DataSource points, before any connection tells: from the URL of the pools and drivers that expose one
     * ({@code getJdbcUrl()} of HikariCP, {@code getUrl()} or {@code getURL()} of the drivers' own DataSources).
     */
    static String whereOf(DataSource dataSource) {
        for (String getter : new String[] {"getJdbcUrl", "getUrl", "getURL"}) {
            try {
                Object url = dataSource.getClass().getMethod(getter).invoke(dataSource);
                if (url instanceof String text && text.startsWith("jdbc:")) {
                    return describe(productOf(text), text);
                }
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                // Not this getter: try the next.
            }
        }
        return "the DataSource's database";
    }

    /**
     * {@code text} with the passwords of any JDBC URL in it masked: {@code password=...} (and {@code pwd},
     * {@code sslpassword}, ..., up to the next {@code &}, {@code ;} or space) and the password of
     * {@code //user:password@host}, up to the last {@code @} of the URL (a password may hold {@code /} or {@code @}).
     */
    static String mask(String text) {
        String masked = PASSWORD_PARAMETER.matcher(text).replaceAll("$1****");
        return USER_INFO.matcher(masked).replaceAll("$1****@");
    }

    /**
     * {@code e}, or where a message in it shows a password (drivers write the URL into some, such as
     * {@code No suitable driver found for jdbc:...}), a copy with masked messages, with the same SQL state, error
     * code and stack trace: the cause of an exception is logged too.
     */
    static SQLException masked(SQLException e) {
        if (!leaks(e)) {
            return e;
        }
        SQLException copy = new SQLException(e.getMessage() == null ? null : mask(e.getMessage()), e.getSQLState(),
                e.getErrorCode());
        copy.setStackTrace(e.getStackTrace());
        Throwable cause = e.getCause();
        if (cause != null && !leaks(cause)) {
            copy.initCause(cause);
        }
        for (Throwable suppressed : e.getSuppressed()) {
            if (!leaks(suppressed)) {
                copy.addSuppressed(suppressed);
            }
        }
        return copy;
    }

    /** Whether a message of {@code failure}, of its causes or of SQL's next exceptions shows a password. */
    private static boolean leaks(Throwable failure) {
        int depth = 0;
        for (Throwable t = failure; t != null && depth < 20; t = t.getCause(), depth++) {
            String message = t.getMessage();
            if (message != null && !mask(message).equals(message)) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getNextException() != null && sql.getNextException() != t
                    && leaks(sql.getNextException())) {
                return true;
            }
            for (Throwable suppressed : t.getSuppressed()) {
                if (leaks(suppressed)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** {@code PostgreSQL} for {@code jdbc:postgresql:...}, {@code H2} for {@code jdbc:h2:...}, else the subprotocol. */
    private static String productOf(String url) {
        String rest = url.substring(5);
        int colon = rest.indexOf(':');
        String subprotocol = colon < 0 ? rest : rest.substring(0, colon);
        return switch (subprotocol.toLowerCase(Locale.ROOT)) {
            case "postgresql" -> "PostgreSQL";
            case "h2" -> "H2";
            default -> subprotocol;
        };
    }

    private String table() {
        return "table '" + layout.tableName() + "' in " + where;
    }

    /**
     * @param action what the store was doing, as in "failed to {action}": {@code "claim a record"}
     */
    IdempotencyStoreException translate(String action, SQLException failure) {
        // Classified by the driver's own exception; the cause kept is one that shows no password.
        IdempotencyStoreException translated = classify(action, failure);
        SQLException masked = masked(failure);
        if (masked == failure) {
            return translated;
        }
        IdempotencyStoreException copy = new IdempotencyStoreException(translated.getMessage(), masked);
        copy.setStackTrace(translated.getStackTrace());
        return copy;
    }

    private IdempotencyStoreException classify(String action, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String detail = " (" + (state.isEmpty() ? "" : "SQLState " + state + ": ") + firstLine(e.getMessage()) + ")";
        String start = "Failed to " + action + ": ";
        if (isMissingTable(e, state)) {
            return new IdempotencyStoreException(start + table() + " does not exist" + detail + ". Create it with"
                    + " JdbcIdempotencyTable.create(store) or the schema in " + schemaResources() + ", or set"
                    + " idempotency.jdbc.create-table=true; or check the table name and the DataSource's database"
                    + " and schema.", e);
        }
        if (state.equals("42703") || state.equals("42S22")) {
            return new IdempotencyStoreException(start + table() + " lacks a column the store uses" + detail
                    + ". Create the table from the store's schema (JdbcIdempotencyTable.create(store)), or set the"
                    + " store's column names to the table's.", e);
        }
        if (e instanceof SQLTransientConnectionException || state.startsWith("08")) {
            return new IdempotencyStoreException(start + "could not reach " + where + " for " + table() + detail
                    + ". Check that the database is up, the DataSource's URL, the network, and that its pool is"
                    + " large enough (a call with transactional completion holds two connections at once).", e);
        }
        if (state.startsWith("28")) {
            return new IdempotencyStoreException(start + where + " refused the DataSource's credentials" + detail
                    + ". Check the user and password of the DataSource.", e);
        }
        if (state.equals("42501")) {
            return new IdempotencyStoreException(start + where + " denied access to " + table() + detail
                    + ". Grant the DataSource's user SELECT, INSERT, UPDATE and DELETE on the table.", e);
        }
        if (state.equals("40001") || state.equals("40P01") || state.equals("55P03") || state.equals("HYT00")
                || e instanceof SQLTimeoutException || state.equals("57014")) {
            return new IdempotencyStoreException(start + table() + " did not answer in time or gave up on a lock"
                    + detail + ". Retry the call; if it keeps happening, look for long transactions holding rows"
                    + " of the table.", e);
        }
        if (state.equals("25P02")) {
            return new IdempotencyStoreException(start + "the caller's transaction on " + where + " had already"
                    + " failed, so " + table() + " could not be written" + detail + ". The transaction rolls back.",
                    e);
        }
        if (state.startsWith("53")) {
            return new IdempotencyStoreException(start + where + " ran out of resources for " + table() + detail
                    + ". Check the database's connection limit and disk.", e);
        }
        return new IdempotencyStoreException(start + where + " rejected a statement on " + table() + detail + ".",
                e);
    }

    private static boolean isMissingTable(SQLException e, String state) {
        // H2: 42S02, or 42S04 when the schema has no table at all.
        return state.equals("42P01") || state.equals("42S02") || state.equals("42S04");
    }

    private static String schemaResources() {
        return JdbcDialect.POSTGRESQL.schemaResource() + " or " + JdbcDialect.H2.schemaResource().replaceAll(
                "^dev/idempotency/jdbc/", "");
    }

    /** The driver's message to its first line: PostgreSQL's "Position" and "Where" lines say nothing more here. */
    private static String firstLine(@Nullable String message) {
        if (message == null) {
            return "no message";
        }
        message = mask(message);
        int newline = message.indexOf('\n');
        String line = newline < 0 ? message : message.substring(0, newline);
        return line.strip().toLowerCase(Locale.ROOT).startsWith("error: ") ? line.strip().substring(7) : line.strip();
    }
}

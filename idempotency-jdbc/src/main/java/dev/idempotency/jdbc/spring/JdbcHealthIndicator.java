package dev.idempotency.jdbc.spring;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.Supplier;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

import dev.idempotency.jdbc.JdbcIdempotencyStore;
import dev.idempotency.store.IdempotencyStore;

/**
 * The health of the JDBC store: up while its table answers {@code SELECT 1 FROM <table> WHERE 1 = 0} (which reads no
 * row) on a connection of the store's DataSource, within {@link #QUERY_TIMEOUT}; down when the table is missing or
 * the database cannot be reached. Getting the connection takes as long as the DataSource lets it (a pool's connection
 * timeout). Details: the table and the database product, or the error, never the URL's credentials.
 */
final class JdbcHealthIndicator extends AbstractHealthIndicator {

    /** How long the query may run. */
    static final Duration QUERY_TIMEOUT = Duration.ofSeconds(2);

    private final Supplier<IdempotencyStore> store;

    /** {@code store} is asked at each check: the engine's store, which is made after this indicator may be. */
    JdbcHealthIndicator(Supplier<IdempotencyStore> store) {
        super("The JDBC idempotency store's health check failed");
        this.store = store;
    }

    @Override
    protected void doHealthCheck(Health.Builder health) throws SQLException {
        if (!(store.get() instanceof JdbcIdempotencyStore jdbc)) {
            health.unknown().withDetail("store", "not the JDBC store");
            return;
        }
        health.withDetail("store", "jdbc").withDetail("table", jdbc.tableName());
        try (Connection connection = jdbc.dataSource().getConnection();
                Statement statement = connection.createStatement()) {
            health.withDetail("database", connection.getMetaData().getDatabaseProductName());
            statement.setQueryTimeout((int) QUERY_TIMEOUT.toSeconds());
            // The name is a plain SQL identifier, checked by the store's builder: safe to write into the statement.
            statement.executeQuery("SELECT 1 FROM " + jdbc.tableName() + " WHERE 1 = 0").close();
        }
        health.up();
    }
}

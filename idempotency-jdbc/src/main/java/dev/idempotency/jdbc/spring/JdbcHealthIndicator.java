package dev.idempotency.jdbc.spring;

import java.util.function.Supplier;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

import dev.idempotency.jdbc.JdbcIdempotencyStore;
import dev.idempotency.store.IdempotencyStore;

/**
 * The health of the JDBC store: up while its table answers {@code SELECT <the store's columns> FROM <table> WHERE
 * 1 = 0} (which reads no row) on a connection of the store's DataSource ({@link JdbcIdempotencyStore#checkTable()});
 * down when the table or one of the store's columns is missing, or the database cannot be reached. Getting the
 * connection takes as long as the DataSource lets it (a pool's connection timeout). Details: the table and the
 * database product, or the store's error message, never the URL's credentials.
 */
final class JdbcHealthIndicator extends AbstractHealthIndicator {

    private final Supplier<IdempotencyStore> store;

    /** {@code store} is asked at each check: the engine's store, which is made after this indicator may be. */
    JdbcHealthIndicator(Supplier<IdempotencyStore> store) {
        super("The JDBC idempotency store's health check failed");
        this.store = store;
    }

    @Override
    protected void doHealthCheck(Health.Builder health) {
        if (!(store.get() instanceof JdbcIdempotencyStore jdbc)) {
            health.unknown().withDetail("store", "not the JDBC store");
            return;
        }
        health.withDetail("store", "jdbc").withDetail("table", jdbc.tableName());
        // Names every column of the store, so another application's table of the same name is down too.
        health.withDetail("database", jdbc.checkTable());
        health.up();
    }
}

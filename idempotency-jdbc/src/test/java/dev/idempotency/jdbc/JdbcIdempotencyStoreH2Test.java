package dev.idempotency.jdbc;

import java.util.UUID;

import javax.sql.DataSource;

import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.BeforeAll;

import dev.idempotency.store.AbstractIdempotencyStoreContractTest;
import dev.idempotency.store.IdempotencyStore;

/** The whole store contract against H2 in this JVM. */
class JdbcIdempotencyStoreH2Test extends AbstractIdempotencyStoreContractTest {

    private static DataSource dataSource;

    @BeforeAll
    static void createTable() {
        dataSource = h2("contract");
        JdbcIdempotencyTable.create(JdbcIdempotencyStore.builder().dataSource(dataSource).build());
    }

    /**
     * A new in-memory H2 database that lives as long as the JVM, behind H2's own pool: a new H2 session costs a
     * password hash, which would dominate the races.
     */
    static DataSource h2(String name) {
        JdbcConnectionPool pool = JdbcConnectionPool.create("jdbc:h2:mem:" + name + "-" + UUID.randomUUID()
                + ";DB_CLOSE_DELAY=-1", "sa", "");
        pool.setMaxConnections(32);
        return pool;
    }

    @Override
    protected IdempotencyStore createStore() {
        return JdbcIdempotencyStore.builder().dataSource(dataSource).build();
    }
}

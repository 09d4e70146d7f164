package dev.idempotency.jdbc;

import java.util.UUID;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeAll;

import dev.idempotency.store.AbstractIdempotencyStoreContractTest;
import dev.idempotency.store.IdempotencyStore;

/** The whole store contract against H2 in this JVM. */
class JdbcIdempotencyStoreH2Test extends AbstractIdempotencyStoreContractTest {

    private static JdbcDataSource dataSource;

    @BeforeAll
    static void createTable() {
        dataSource = h2("contract");
        JdbcIdempotencyTable.create(JdbcIdempotencyStore.builder().dataSource(dataSource).build());
    }

    /** A new in-memory H2 database that lives as long as the JVM. */
    static JdbcDataSource h2(String name) {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:" + name + "-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        h2.setUser("sa");
        return h2;
    }

    @Override
    protected IdempotencyStore createStore() {
        return JdbcIdempotencyStore.builder().dataSource(dataSource).build();
    }
}

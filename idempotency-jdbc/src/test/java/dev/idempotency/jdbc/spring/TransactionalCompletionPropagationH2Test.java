package dev.idempotency.jdbc.spring;

import java.util.UUID;

import javax.sql.DataSource;

import org.h2.jdbcx.JdbcDataSource;

/** The same savepoint, read-only and same-transaction cases on H2, whose claim would wait on the row lock as well. */
class TransactionalCompletionPropagationH2Test extends TransactionalCompletionPropagationIntegrationTest {

    private final JdbcDataSource h2 = new JdbcDataSource();

    TransactionalCompletionPropagationH2Test() {
        h2.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    }

    @Override
    DataSource database() {
        return h2;
    }
}

package dev.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;
import org.springframework.transaction.support.TransactionTemplate;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.jdbc.testing.PostgresExtension;
import dev.idempotency.jdbc.testing.PostgresServer;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.RecordStatus;
import dev.idempotency.testing.Hashes;

/**
 * A store given Spring's {@link TransactionAwareDataSourceProxy}, whose connections inside a transaction are the
 * transaction's: the store's own work (the claim, and every completion without transactional completion) still runs
 * on connections of its own, so it never commits the caller's transaction early.
 */
@ExtendWith(PostgresExtension.class)
class TransactionAwareDataSourceIntegrationTest {

    private final AtomicInteger runs = new AtomicInteger();
    private PostgresServer postgres;
    private DataSource target;
    private TransactionAwareDataSourceProxy proxy;
    private TransactionTemplate transactions;
    private JdbcTemplate jdbc;
    private String ordersTable;

    @BeforeEach
    void createTheOrdersTable(PostgresServer server) {
        postgres = server;
        target = server.sharedPool();
        proxy = new TransactionAwareDataSourceProxy(target);
        transactions = new TransactionTemplate(new DataSourceTransactionManager(target));
        jdbc = new JdbcTemplate(proxy);
        ordersTable = "orders_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        server.execute("CREATE TABLE " + ordersTable + " (id VARCHAR(64) NOT NULL)");
    }

    @Test
    void claimsOnAConnectionOfItsOwnSoThatTheCallersTransactionStillRollsBackWhole() {
        JdbcIdempotencyStore store = store(false);
        IdempotentOperation<String> operation = operation(store);

        assertThatThrownBy(() -> transactions.executeWithoutResult(status -> {
            jdbc.update("INSERT INTO " + ordersTable + " (id) VALUES ('before')");
            operation.execute("o-1", () -> body("o-1"));
            throw new IllegalStateException("the checkout failed after the call");
        })).isInstanceOf(IllegalStateException.class);

        assertThat(rows("before")).as("the transaction rolled back its row: the claim did not commit it").isZero();
        assertThat(rows("o-1")).isZero();
        assertThat(runs).hasValue(1);
        assertThat(store.find("orders.place#" + Hashes.sha256("o-1"))).as("completed on the store's own connection")
                .get().extracting(IdempotencyRecord::status).isEqualTo(RecordStatus.COMPLETED);
        assertThat(store.dataSource()).isSameAs(target);
    }

    @Test
    void completesInTheCallersTransactionThroughTheProxyAndRollsBackWithIt() {
        JdbcIdempotencyStore store = store(true);
        IdempotentOperation<String> operation = operation(store);

        assertThatThrownBy(() -> transactions.executeWithoutResult(status -> {
            jdbc.update("INSERT INTO " + ordersTable + " (id) VALUES ('before')");
            operation.execute("o-1", () -> body("o-1"));
            throw new IllegalStateException("the checkout failed after the call");
        })).isInstanceOf(IllegalStateException.class);

        assertThat(rows("before")).isZero();
        assertThat(rows("o-1")).isZero();
        assertThat(store.find("orders.place#" + Hashes.sha256("o-1"))).as("rolled back, then released").isEmpty();

        String result = transactions.execute(status -> operation.execute("o-1", () -> body("o-1")));
        assertThat(result).isEqualTo("placed o-1, run 2");
        assertThat(rows("o-1")).isEqualTo(1);
        assertThat(operation.execute("o-1", () -> body("o-1"))).isEqualTo(result);
        assertThat(runs).hasValue(2);
    }

    private String body(String id) {
        int run = runs.incrementAndGet();
        jdbc.update("INSERT INTO " + ordersTable + " (id) VALUES (?)", id);
        return "placed " + id + ", run " + run;
    }

    private JdbcIdempotencyStore store(boolean transactionalCompletion) {
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(proxy)
                .tableName(PostgresServer.newTableName()).transactionalCompletion(transactionalCompletion).build();
        JdbcIdempotencyTable.create(store);
        return store;
    }

    private static IdempotentOperation<String> operation(JdbcIdempotencyStore store) {
        return Idempotency.builder().store(store).build().operation("orders.place", String.class).build();
    }

    private int rows(String id) {
        return new JdbcTemplate(target).queryForObject("SELECT COUNT(*) FROM " + ordersTable + " WHERE id = ?",
                Integer.class, id);
    }
}

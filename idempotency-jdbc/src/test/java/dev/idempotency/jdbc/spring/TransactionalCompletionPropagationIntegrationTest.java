package dev.idempotency.jdbc.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.interceptor.TransactionAspectSupport;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyInProgressException;
import dev.idempotency.Idempotent;
import dev.idempotency.jdbc.JdbcIdempotencyStore;
import dev.idempotency.jdbc.testing.PostgresExtension;
import dev.idempotency.jdbc.testing.PostgresServer;
import dev.idempotency.spring.EnableIdempotency;
import dev.idempotency.spring.testing.Contexts;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.RecordStatus;
import dev.idempotency.testing.Hashes;

/**
 * Transactional completion on PostgreSQL in the transactions that are not one plain {@code REQUIRED} transaction per
 * call: a savepoint ({@code NESTED}) that rolls back while the outer transaction commits, a read-only transaction, and
 * the same key called twice within one transaction.
 */
@ExtendWith(PostgresExtension.class)
class TransactionalCompletionPropagationIntegrationTest {

    private static PostgresServer postgres;

    private AnnotationConfigApplicationContext context;
    private Orders orders;
    private Shop shop;
    private JdbcIdempotencyStore store;
    private String ordersTable;

    @BeforeAll
    static void server(PostgresServer server) {
        postgres = server;
    }

    @BeforeEach
    void startTheApplication() {
        ordersTable = "orders_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        new JdbcTemplate(database()).execute("CREATE TABLE " + ordersTable
                + " (id VARCHAR(64) NOT NULL, amount INT NOT NULL)");
        // Not the pool itself, which the context would close with it.
        Application.dataSource = new DelegatingDataSource(database());
        Application.ordersTable = ordersTable;
        Map<String, Object> properties = new HashMap<>();
        properties.put("idempotency.store.type", "jdbc");
        properties.put("idempotency.jdbc.table-name", PostgresServer.newTableName());
        properties.put("idempotency.jdbc.create-table", "true");
        properties.put("idempotency.jdbc.transactional-completion", "true");
        context = Contexts.start(properties, Application.class);
        orders = context.getBean(Orders.class);
        shop = context.getBean(Shop.class);
        store = (JdbcIdempotencyStore) context.getBean(Idempotency.class).store();
    }

    /** The database of the store and of the orders. */
    DataSource database() {
        return postgres.sharedPool();
    }

    @AfterEach
    void stopTheApplication() {
        context.close();
    }

    @Test
    void runsTheBodyAgainWhenTheSavepointOfItsCompletionRolledBackAndTheOuterTransactionCommitted() throws Exception {
        shop.placeInASavepointThatRollsBackThenCarryOn(new Order("o-1", 10));

        assertThat(rows("outer")).as("the outer transaction committed").isEqualTo(1);
        assertThat(rows("o-1")).as("the savepoint took the body's row back").isZero();
        assertThat(record("o-1")).as("the completion went with the savepoint, and the claim was released").isEmpty();

        Receipt retried = orders.place(new Order("o-1", 10));
        assertThat(retried.run()).as("a retry runs the body, rather than replaying work that was rolled back")
                .isEqualTo(2);
        assertThat(rows("o-1")).isEqualTo(1);
        assertThat(record("o-1")).get().extracting(IdempotencyRecord::status).isEqualTo(RecordStatus.COMPLETED);
        assertThat(orders.place(new Order("o-1", 10))).isEqualTo(retried);
        assertThat(orders.runs()).isEqualTo(2);
    }

    @Test
    void keepsACompletionMadeBeforeASavepointThatRollsBackLater() throws Exception {
        Receipt receipt = shop.placeThenRollBackALaterSavepoint(new Order("o-1", 10));

        assertThat(rows("o-1")).isEqualTo(1);
        assertThat(record("o-1")).get().extracting(IdempotencyRecord::status).isEqualTo(RecordStatus.COMPLETED);
        assertThat(orders.place(new Order("o-1", 10))).isEqualTo(receipt);
        assertThat(orders.runs()).isEqualTo(1);
    }

    @Test
    void completesTheRecordOfAReadOnlyTransactionAndReplaysIt() {
        new JdbcTemplate(database()).update("INSERT INTO " + ordersTable + " (id, amount) VALUES ('o-1', 10)");

        int first = orders.count("o-1");
        int second = orders.count("o-1");

        assertThat(first).isEqualTo(1);
        assertThat(second).isEqualTo(1);
        assertThat(orders.counts()).as("the read-only body ran once").isEqualTo(1);
        assertThat(store.find("orders.count#" + Hashes.sha256("o-1"))).get()
                .extracting(IdempotencyRecord::status).isEqualTo(RecordStatus.COMPLETED);
    }

    @Test
    void replaysTheCompletionOfTheSameTransactionToADuplicateInItWithoutWaitingForItself() {
        List<Receipt> receipts = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> shop.placeTwice(new Order("o-1", 10)));

        assertThat(receipts.get(1)).isEqualTo(receipts.get(0));
        assertThat(orders.runs()).as("the body ran once").isEqualTo(1);
        assertThat(rows("o-1")).isEqualTo(1);
        assertThat(record("o-1")).get().extracting(IdempotencyRecord::status).isEqualTo(RecordStatus.COMPLETED);
        assertThat(orders.place(new Order("o-1", 10))).isEqualTo(receipts.get(0));
        assertThat(orders.runs()).isEqualTo(1);
    }

    @Test
    void givesACallOfItsOwnKeyFromInsideTheBodyInProgressWithoutWaiting() {
        orders.useSelf(orders);

        assertThatThrownBy(() -> assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> orders.placeThenPlaceAgainInside(new Order("o-1", 10))))
                .isInstanceOf(IdempotencyInProgressException.class);

        assertThat(rows("o-1")).as("the body's exception rolled its transaction back").isZero();
        assertThat(record("o-1")).isEmpty();
    }

    @Test
    void releasesTheClaimWhenTheTransactionIsMarkedRollbackOnlyAfterTheCompletion() {
        shop.placeThenMarkRollbackOnly(new Order("o-1", 10));

        assertThat(rows("o-1")).isZero();
        assertThat(record("o-1")).as("the rollback undid the completion, and the claim was released").isEmpty();
        assertThat(orders.place(new Order("o-1", 10)).run()).as("a retry runs the body").isEqualTo(2);
        assertThat(rows("o-1")).isEqualTo(1);
    }

    @Test
    void releasesTheClaimOfABodyThatThrowsAfterItsWritesAndRunsItsRetryOnce() {
        assertThatThrownBy(() -> orders.placeThenThrow(new Order("o-1", 10)))
                .isInstanceOf(IllegalStateException.class).hasMessage("the payment was declined");

        assertThat(rows("o-1")).isZero();
        assertThat(record("o-1")).isEmpty();
        Receipt retried = orders.place(new Order("o-1", 10));
        assertThat(retried.run()).isEqualTo(2);
        assertThat(orders.place(new Order("o-1", 10))).isEqualTo(retried);
        assertThat(rows("o-1")).isEqualTo(1);
    }

    private int rows(String orderId) {
        return new JdbcTemplate(database()).queryForObject(
                "SELECT COUNT(*) FROM " + ordersTable + " WHERE id = ?", Integer.class, orderId);
    }

    private Optional<IdempotencyRecord> record(String orderId) {
        return store.find("orders.place#" + Hashes.sha256(orderId));
    }

    /** Inserts an order row in its transaction, with the idempotency advice inside it. */
    static class Orders {

        private final JdbcTemplate jdbc;
        private final String table;
        private final AtomicInteger runs = new AtomicInteger();
        private final AtomicInteger counts = new AtomicInteger();

        Orders(DataSource dataSource, String table) {
            this.jdbc = new JdbcTemplate(dataSource);
            this.table = table;
        }

        @Transactional
        @Idempotent(name = "orders.place", key = "#order.id")
        public Receipt place(Order order) {
            int run = runs.incrementAndGet();
            jdbc.update("INSERT INTO " + table + " (id, amount) VALUES (?, ?)", order.id(), order.amount());
            return new Receipt(order.id(), order.amount(), run);
        }

        /** This bean's proxy, for a call from inside a body. */
        private volatile Orders self;

        /** Public, so that the proxy hands it to the bean itself. */
        public void useSelf(Orders proxy) {
            this.self = proxy;
        }

        @Transactional
        @Idempotent(name = "orders.place", key = "#order.id")
        public Receipt placeThenPlaceAgainInside(Order order) {
            runs.incrementAndGet();
            jdbc.update("INSERT INTO " + table + " (id, amount) VALUES (?, ?)", order.id(), order.amount());
            return self.place(order);
        }

        @Transactional
        @Idempotent(name = "orders.place", key = "#order.id")
        public Receipt placeThenThrow(Order order) {
            runs.incrementAndGet();
            jdbc.update("INSERT INTO " + table + " (id, amount) VALUES (?, ?)", order.id(), order.amount());
            throw new IllegalStateException("the payment was declined");
        }

        @Transactional(readOnly = true)
        @Idempotent(name = "orders.count", key = "#orderId")
        public int count(String orderId) {
            counts.incrementAndGet();
            return jdbc.queryForObject("SELECT COUNT(*) FROM " + table + " WHERE id = ?", Integer.class, orderId);
        }

        int runs() {
            return runs.get();
        }

        int counts() {
            return counts.get();
        }
    }

    /** Places orders in a savepoint of an outer transaction. */
    static class Savepoints {

        private final Orders orders;
        private final JdbcTemplate jdbc;
        private final String table;

        Savepoints(Orders orders, DataSource dataSource, String table) {
            this.orders = orders;
            this.jdbc = new JdbcTemplate(dataSource);
            this.table = table;
        }

        @Transactional(propagation = Propagation.NESTED)
        public void placeThenFail(Order order) {
            orders.place(order);
            throw new IllegalStateException("the stock reservation failed after the order was placed");
        }

        @Transactional(propagation = Propagation.NESTED)
        public void insertThenFail() {
            jdbc.update("INSERT INTO " + table + " (id, amount) VALUES ('nested', 1)");
            throw new IllegalStateException("the nested step failed");
        }
    }

    /** The outer transactions. */
    static class Shop {

        private final Orders orders;
        private final Savepoints savepoints;
        private final JdbcTemplate jdbc;
        private final String table;

        Shop(Orders orders, Savepoints savepoints, DataSource dataSource, String table) {
            this.orders = orders;
            this.savepoints = savepoints;
            this.jdbc = new JdbcTemplate(dataSource);
            this.table = table;
        }

        @Transactional
        public void placeInASavepointThatRollsBackThenCarryOn(Order order) {
            try {
                savepoints.placeThenFail(order);
            } catch (IllegalStateException expected) {
                // The savepoint rolled back; the outer transaction goes on and commits.
            }
            jdbc.update("INSERT INTO " + table + " (id, amount) VALUES ('outer', 1)");
        }

        @Transactional
        public Receipt placeThenRollBackALaterSavepoint(Order order) {
            Receipt receipt = orders.place(order);
            try {
                savepoints.insertThenFail();
            } catch (IllegalStateException expected) {
                // Only the later savepoint rolled back.
            }
            return receipt;
        }

        @Transactional
        public void placeThenMarkRollbackOnly(Order order) {
            orders.place(order);
            TransactionAspectSupport.currentTransactionStatus().setRollbackOnly();
        }

        @Transactional
        public List<Receipt> placeTwice(Order order) {
            return List.of(orders.place(order), orders.place(order));
        }
    }

    @Configuration
    @EnableTransactionManagement(order = EnableIdempotency.DEFAULT_ORDER - 1)
    @EnableIdempotency
    static class Application {

        static DataSource dataSource;
        static String ordersTable;

        @Bean
        DataSource dataSource() {
            return dataSource;
        }

        @Bean
        PlatformTransactionManager transactionManager(DataSource dataSource) {
            return new DataSourceTransactionManager(dataSource);
        }

        @Bean
        Orders orders(DataSource dataSource) {
            return new Orders(dataSource, ordersTable);
        }

        @Bean
        Savepoints savepoints(Orders orders, DataSource dataSource) {
            return new Savepoints(orders, dataSource, ordersTable);
        }

        @Bean
        Shop shop(Orders orders, Savepoints savepoints, DataSource dataSource) {
            return new Shop(orders, savepoints, dataSource, ordersTable);
        }
    }
}

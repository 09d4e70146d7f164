package dev.idempotency.jdbc.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
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
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyInProgressException;
import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.Idempotent;
import dev.idempotency.jdbc.JdbcIdempotencyStore;
import dev.idempotency.jdbc.testing.CountingDataSource;
import dev.idempotency.jdbc.testing.PostgresExtension;
import dev.idempotency.jdbc.testing.PostgresServer;
import dev.idempotency.spring.EnableIdempotency;
import dev.idempotency.spring.testing.Contexts;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.RecordStatus;
import dev.idempotency.testing.Hashes;

/**
 * Transactional completion on PostgreSQL with {@code @Transactional} and a {@link DataSourceTransactionManager}: the
 * claim commits at once on a connection of its own, the completion joins the method's transaction, so the method's
 * rows and the completed record commit or roll back together, and the local cache answers only after the commit.
 */
@ExtendWith(PostgresExtension.class)
class TransactionalCompletionIntegrationTest {

    private static PostgresServer postgres;

    private AnnotationConfigApplicationContext context;
    private Orders orders;
    private Checkout checkout;
    private JdbcIdempotencyStore store;
    private CountingDataSource counting;
    private String ordersTable;

    @BeforeAll
    static void server(PostgresServer server) {
        postgres = server;
    }

    @BeforeEach
    void startTheApplication() {
        ordersTable = "orders_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        postgres.execute("CREATE TABLE " + ordersTable + " (id VARCHAR(64) NOT NULL, amount INT NOT NULL)");
        counting = new CountingDataSource(postgres.sharedPool());
        Application.dataSource = counting.dataSource();
        Application.ordersTable = ordersTable;
        Map<String, Object> properties = new HashMap<>();
        properties.put("idempotency.store.type", "jdbc");
        Application.storeTable = PostgresServer.newTableName();
        properties.put("idempotency.jdbc.table-name", Application.storeTable);
        properties.put("idempotency.jdbc.create-table", "true");
        properties.put("idempotency.jdbc.transactional-completion", "true");
        context = Contexts.start(properties, Application.class);
        orders = context.getBean(Orders.class);
        checkout = context.getBean(Checkout.class);
        store = (JdbcIdempotencyStore) context.getBean(Idempotency.class).store();
        counting.reset();
    }

    @AfterEach
    void stopTheApplication() {
        context.close();
    }

    @Test
    void commitsTheRowsAndTheCompletedRecordTogetherWithTheStatementsOfAFirstCall() throws Exception {
        Receipt receipt = orders.place(new Order("o-1", 10));

        assertThat(counting.statements()).as("claim on its own connection, then the transaction's insert,"
                + " completion and commit").containsExactly("WITH", "INSERT", "UPDATE", "COMMIT");
        assertThat(rows("o-1")).isEqualTo(1);
        assertThat(record("o-1")).get().extracting(IdempotencyRecord::status).isEqualTo(RecordStatus.COMPLETED);
        counting.reset();
        assertThat(orders.place(new Order("o-1", 10))).isEqualTo(receipt);
        // The transaction wraps idempotency, so it begins (a connection from the pool) and commits even for a replay
        // from the local cache; it ran no statement, and PostgreSQL's driver sends nothing for its commit.
        assertThat(counting.statements()).as("replayed from the local cache once committed")
                .containsExactly("COMMIT");
        assertThat(orders.runs()).isEqualTo(1);
    }

    @Test
    void leavesNeitherRowsNorRecordWhenTheTransactionFailsAfterTheCompletionAndARetryRunsOnce() throws Exception {
        assertThatThrownBy(() -> checkout.placeThenFail(new Order("o-1", 10)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the stock reservation failed after the order was placed");

        assertThat(orders.runs()).as("the body ran and completed its record in the transaction").isEqualTo(1);
        assertThat(rows("o-1")).isZero();
        assertThat(record("o-1")).as("the rollback undid the completion, and the claim was released").isEmpty();

        Receipt retried = orders.place(new Order("o-1", 10));
        assertThat(retried.run()).as("not answered by the local cache, which never saw the rolled-back completion")
                .isEqualTo(2);
        assertThat(orders.place(new Order("o-1", 10))).isEqualTo(retried);
        assertThat(rows("o-1")).as("one row in total").isEqualTo(1);
    }

    @Test
    void givesAConcurrentDuplicateInProgressWhileTheTransactionRuns() throws Exception {
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try {
            orders.pauseAfterTheInsert();
            Future<Receipt> first = caller.submit(() -> orders.place(new Order("o-1", 10)));
            assertThat(orders.awaitTheInsert()).isTrue();

            assertThatThrownBy(() -> orders.place(new Order("o-1", 10)))
                    .isInstanceOf(IdempotencyInProgressException.class);
            assertThat(rows("o-1")).as("the first call's row is not committed yet").isZero();

            orders.resume();
            Receipt receipt = first.get(10, TimeUnit.SECONDS);
            assertThat(orders.place(new Order("o-1", 10))).isEqualTo(receipt);
            assertThat(orders.runs()).isEqualTo(1);
            assertThat(rows("o-1")).isEqualTo(1);
        } finally {
            caller.shutdownNow();
        }
    }

    @Test
    void refusesToCommitABodyWhoseRecordCouldNotBeCompleted() {
        assertThatThrownBy(() -> orders.placeWhileAnotherCallTakesTheKeyOver(new Order("o-1", 10)))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageStartingWith("The idempotency record orders.place#" + Hashes.sha256("o-1")
                        + " could not be completed in the transaction")
                .hasMessageContaining("the transaction rolls back, so that its work does not commit without its"
                        + " record");

        assertThat(rows("o-1")).isZero();
        assertThat(record("o-1")).get().extracting(IdempotencyRecord::claimToken).isEqualTo("another-call");
    }

    @Test
    void commitsEveryBodyWithItsRecordAndNoneWithoutUnderConcurrentCallsThatFailAtRandom() throws Exception {
        int keys = 20;
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new java.util.ArrayList<>();
            for (int thread = 0; thread < threads; thread++) {
                futures.add(pool.submit(() -> {
                    for (int call = 0; call < 40; call++) {
                        Order order = new Order("k-" + ThreadLocalRandom.current().nextInt(keys), 1);
                        try {
                            if (ThreadLocalRandom.current().nextInt(4) == 0) {
                                checkout.placeThenFail(order);
                            } else {
                                orders.place(order);
                            }
                        } catch (IllegalStateException | IdempotencyInProgressException expected) {
                            // A rolled-back checkout, or a duplicate of a call still running.
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        for (int key = 0; key < keys; key++) {
            String id = "k-" + key;
            int rows = rows(id);
            Optional<IdempotencyRecord> record = record(id);
            assertThat(rows).as("committed rows of %s", id).isLessThanOrEqualTo(1);
            if (rows == 1) {
                assertThat(record).as("record of %s", id).get().extracting(IdempotencyRecord::status)
                        .isEqualTo(RecordStatus.COMPLETED);
            } else {
                assertThat(record).as("record of %s, whose every run rolled back", id).isEmpty();
            }
        }
    }

    private int rows(String orderId) {
        return new JdbcTemplate(postgres.sharedPool()).queryForObject(
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
        private volatile CountDownLatch inserted = new CountDownLatch(0);
        private volatile CountDownLatch pause;

        Orders(DataSource dataSource, String table) {
            this.jdbc = new JdbcTemplate(dataSource);
            this.table = table;
        }

        @Transactional
        @Idempotent(name = "orders.place", key = "#order.id")
        public Receipt place(Order order) throws InterruptedException {
            int run = runs.incrementAndGet();
            jdbc.update("INSERT INTO " + table + " (id, amount) VALUES (?, ?)", order.id(), order.amount());
            CountDownLatch pause = this.pause;
            if (pause != null) {
                inserted.countDown();
                pause.await(10, TimeUnit.SECONDS);
            }
            return new Receipt(order.id(), order.amount(), run);
        }

        /** The next call pauses after its insert, in its open transaction, until {@link #resume()}. */
        void pauseAfterTheInsert() {
            inserted = new CountDownLatch(1);
            pause = new CountDownLatch(1);
        }

        boolean awaitTheInsert() throws InterruptedException {
            return inserted.await(10, TimeUnit.SECONDS);
        }

        void resume() {
            CountDownLatch paused = pause;
            pause = null;
            paused.countDown();
        }

        /** While the body runs, another call takes the key over (as after a lease ran out): the completion fails. */
        @Transactional
        @Idempotent(name = "orders.place", key = "#order.id")
        public Receipt placeWhileAnotherCallTakesTheKeyOver(Order order) {
            int run = runs.incrementAndGet();
            jdbc.update("INSERT INTO " + table + " (id, amount) VALUES (?, ?)", order.id(), order.amount());
            postgres.execute("UPDATE " + Application.storeTable + " SET claim_token = 'another-call'");
            return new Receipt(order.id(), order.amount(), run);
        }

        int runs() {
            return runs.get();
        }
    }

    /** An outer transaction that places an order, then fails before it commits. */
    static class Checkout {

        private final Orders orders;

        Checkout(Orders orders) {
            this.orders = orders;
        }

        @Transactional
        public void placeThenFail(Order order) throws InterruptedException {
            orders.place(order);
            throw new IllegalStateException("the stock reservation failed after the order was placed");
        }
    }

    @Configuration
    @EnableTransactionManagement(order = EnableIdempotency.DEFAULT_ORDER - 1)
    @EnableIdempotency
    static class Application {

        static DataSource dataSource;
        static String ordersTable;
        static String storeTable;

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
        Checkout checkout(Orders orders) {
            return new Checkout(orders);
        }
    }
}

package dev.idempotency.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.embedded.EmbeddedDatabaseBuilder;
import org.springframework.jdbc.datasource.embedded.EmbeddedDatabaseType;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import dev.idempotency.Idempotent;
import dev.idempotency.store.ClaimResult;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.IdempotencyStore;
import dev.idempotency.store.InMemoryIdempotencyStore;
import dev.idempotency.spring.testing.Contexts;

/**
 * The advice order with a real transaction manager over an embedded H2 database: by default idempotency wraps
 * {@code @Transactional}, so the record completes only after the commit and is released after a rollback.
 */
class TransactionOrderingTest {

    @Test
    void completesTheRecordOnlyAfterTheTransactionHasCommitted() {
        try (AnnotationConfigApplicationContext context = Contexts.start(IdempotencyOutside.class)) {
            Orders orders = context.getBean(Orders.class);
            CommitCheckingStore store = context.getBean(CommitCheckingStore.class);

            Receipt first = orders.place(new Order("o-1", 10));

            assertThat(store.completions()).containsExactly(new Completion(1, false));
            assertThat(orders.place(new Order("o-1", 10))).isEqualTo(first);
            assertThat(orders.rows()).isEqualTo(1);
            assertThat(orders.runs()).isEqualTo(1);
        }
    }

    @Test
    void releasesTheRecordWhenTheTransactionRollsBackSoThatARetryRunsAgain() {
        try (AnnotationConfigApplicationContext context = Contexts.start(IdempotencyOutside.class)) {
            Orders orders = context.getBean(Orders.class);
            CommitCheckingStore store = context.getBean(CommitCheckingStore.class);
            orders.failNext();

            assertThatThrownBy(() -> orders.place(new Order("o-1", 10)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("payment declined after the insert");

            assertThat(orders.rows()).isZero();
            assertThat(store.releases()).isEqualTo(1);
            assertThat(store.completions()).isEmpty();
            Receipt retried = orders.place(new Order("o-1", 10));
            assertThat(retried.run()).isEqualTo(2);
            assertThat(orders.place(new Order("o-1", 10))).isEqualTo(retried);
            assertThat(orders.rows()).isEqualTo(1);
            assertThat(store.completions()).containsExactly(new Completion(1, false));
        }
    }

    @Test
    void completesTheRecordInsideTheTransactionWhenTheOrderPutsIdempotencyInside() {
        try (AnnotationConfigApplicationContext context = Contexts.start(IdempotencyInside.class)) {
            Orders orders = context.getBean(Orders.class);
            CommitCheckingStore store = context.getBean(CommitCheckingStore.class);

            orders.place(new Order("o-1", 10));

            assertThat(store.completions()).containsExactly(new Completion(0, true));
            assertThat(orders.rows()).isEqualTo(1);
        }
    }

    /** What the store saw when a record completed: the committed rows, and whether a transaction was running. */
    record Completion(int committedRows, boolean inTransaction) {
    }

    /** A store that, at each completion, counts the committed rows through a connection of its own. */
    static class CommitCheckingStore implements IdempotencyStore {

        private final IdempotencyStore delegate = InMemoryIdempotencyStore.create();
        private final DataSource dataSource;
        private final List<Completion> completions = new CopyOnWriteArrayList<>();
        private final AtomicInteger releases = new AtomicInteger();

        CommitCheckingStore(DataSource dataSource) {
            this.dataSource = dataSource;
        }

        List<Completion> completions() {
            return List.copyOf(completions);
        }

        int releases() {
            return releases.get();
        }

        @Override
        public ClaimResult claim(IdempotencyRecord record, Instant now) {
            return delegate.claim(record, now);
        }

        @Override
        public boolean complete(IdempotencyRecord finished) {
            boolean inTransaction = TransactionSynchronizationManager.isActualTransactionActive();
            completions.add(new Completion(committedRows(), inTransaction));
            return delegate.complete(finished);
        }

        @Override
        public boolean release(String id, String claimToken) {
            releases.incrementAndGet();
            return delegate.release(id, claimToken);
        }

        @Override
        public Optional<IdempotencyRecord> find(String id) {
            return delegate.find(id);
        }

        /** Through a new connection, not the transaction's: only committed rows are visible. */
        private int committedRows() {
            try (Connection connection = dataSource.getConnection();
                    Statement statement = connection.createStatement();
                    ResultSet rows = statement.executeQuery("select count(*) from orders")) {
                rows.next();
                return rows.getInt(1);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Inserts a row in a transaction; when told to, fails after the insert, so the transaction rolls back. */
    static class Orders {

        private final JdbcTemplate jdbc;
        private final AtomicInteger runs = new AtomicInteger();
        private volatile boolean failNext;

        Orders(JdbcTemplate jdbc) {
            this.jdbc = jdbc;
        }

        @Transactional
        @Idempotent(key = "#order.id")
        public Receipt place(Order order) {
            int run = runs.incrementAndGet();
            jdbc.update("insert into orders (id, amount) values (?, ?)", order.id(), order.amount());
            if (failNext) {
                failNext = false;
                throw new IllegalStateException("payment declined after the insert");
            }
            return new Receipt(order.id(), order.amount(), run);
        }

        void failNext() {
            failNext = true;
        }

        int runs() {
            return runs.get();
        }

        int rows() {
            return jdbc.queryForObject("select count(*) from orders", Integer.class);
        }
    }

    @Configuration
    static class Database {

        @Bean
        DataSource dataSource() {
            DataSource dataSource = new EmbeddedDatabaseBuilder().setType(EmbeddedDatabaseType.H2)
                    .generateUniqueName(true).build();
            new JdbcTemplate(dataSource).execute("create table orders (id varchar(64) primary key, amount int)");
            return dataSource;
        }

        @Bean
        PlatformTransactionManager transactionManager(DataSource dataSource) {
            return new DataSourceTransactionManager(dataSource);
        }

        @Bean
        Orders orders(DataSource dataSource) {
            return new Orders(new JdbcTemplate(dataSource));
        }

        @Bean
        CommitCheckingStore store(DataSource dataSource) {
            return new CommitCheckingStore(dataSource);
        }
    }

    @Configuration
    @EnableTransactionManagement
    @EnableIdempotency
    static class IdempotencyOutside extends Database {
    }

    @Configuration
    @EnableTransactionManagement(order = Ordered.HIGHEST_PRECEDENCE)
    @EnableIdempotency(order = Ordered.LOWEST_PRECEDENCE)
    static class IdempotencyInside extends Database {
    }
}

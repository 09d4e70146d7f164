package dev.idempotency.jdbc.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.core.Ordered;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.Idempotent;
import dev.idempotency.jdbc.JdbcIdempotencyStore;
import dev.idempotency.spring.EnableIdempotency;
import dev.idempotency.spring.testing.Contexts;
import dev.idempotency.store.IdempotencyRecord;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code idempotency.jdbc.*} properties on H2: what startup says about bad ones and about a transactional
 * completion that cannot hold, the purge schedule, and what the IDE is told.
 */
class JdbcStoreProviderTest {

    @Test
    void failsStartupWithoutADataSource() {
        assertThatThrownBy(() -> Contexts.start(Map.of("idempotency.store.type", "jdbc"), NoDataSource.class))
                .hasRootCauseMessage("idempotency.store.type=jdbc uses the application's DataSource bean, but there"
                        + " is none. Add spring-boot-starter-jdbc and spring.datasource.url (Spring Boot), or define"
                        + " a DataSource bean.");
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "idempotency.jdbc.table-name | idempotency; drop table orders | a plain SQL name such as idempotency or"
                    + " payments.idempotency (letters, digits and '_', not starting with a digit)",
            "idempotency.jdbc.create-table | yes | true or false",
            "idempotency.jdbc.transactional-completion | on | true or false",
            "idempotency.jdbc.purge.enabled | 1 | true or false",
            "idempotency.jdbc.purge.interval | hourly | a positive duration such as 500ms, 30s, 10m, 24h, 7d, or"
                    + " ISO-8601 such as PT10M",
            "idempotency.jdbc.purge.batch-size | 0 | a positive whole number",
    })
    void failsStartupNamingThePropertyAndTheValue(String property, String value, String expected) {
        Map<String, Object> properties = Map.of("idempotency.store.type", "jdbc", property, value);
        assertThatThrownBy(() -> Contexts.start(properties, OneDataSource.class))
                .hasRootCauseMessage("Invalid value '" + value + "' for property " + property + ": expected "
                        + expected);
    }

    @Test
    void usesTheApplicationsDataSourceAndCreatesTheTable() {
        try (AnnotationConfigApplicationContext context = Contexts.start(Map.of("idempotency.store.type", "jdbc",
                "idempotency.jdbc.table-name", "orders_idempotency", "idempotency.jdbc.create-table", "true"),
                OneDataSource.class)) {
            JdbcIdempotencyStore store = (JdbcIdempotencyStore) context.getBean(Idempotency.class).store();

            assertThat(store.dataSource()).isSameAs(context.getBean(DataSource.class));
            assertThat(store.tableName()).isEqualTo("orders_idempotency");
            assertThat(store.isTransactionalCompletion()).isFalse();
            assertThat(new JdbcTemplate(store.dataSource())
                    .queryForObject("SELECT COUNT(*) FROM orders_idempotency", Integer.class)).isZero();
        }
    }

    @Test
    void boundsEveryStatementByTheTimeoutProperty() {
        try (AnnotationConfigApplicationContext context = Contexts.start(Map.of("idempotency.store.type", "jdbc",
                "idempotency.jdbc.create-table", "true", "idempotency.jdbc.timeout", "2s"), OneDataSource.class)) {
            JdbcIdempotencyStore store = (JdbcIdempotencyStore) context.getBean(Idempotency.class).store();

            assertThat(store.timeout()).isEqualTo(java.time.Duration.ofSeconds(2));
            assertThat(store.toString()).contains("timeout=PT2S");
        }
    }

    @Test
    void failsStartupWithTransactionalCompletionButNoTransactionManager() {
        assertThatThrownBy(() -> Contexts.start(transactional(), OneDataSource.class))
                .hasRootCauseMessage("idempotency.jdbc.transactional-completion=true needs a transaction manager on"
                        + " the store's DataSource, whose transactions the completion joins, but there is no"
                        + " PlatformTransactionManager bean. Define a DataSourceTransactionManager (or"
                        + " JdbcTransactionManager, or a JpaTransactionManager) on that DataSource, or turn"
                        + " transactional completion off.");
    }

    @Test
    void failsStartupWithTransactionalCompletionWhenTheTransactionManagerIsOnAnotherDataSource() {
        assertThatThrownBy(() -> Contexts.start(transactional(), OtherDataSourcesManager.class))
                .hasRootCauseMessage("idempotency.jdbc.transactional-completion=true needs a transaction manager on"
                        + " the store's DataSource, whose transactions the completion joins, but the transaction"
                        + " managers are not on the store's DataSource: DataSourceTransactionManager. Define a"
                        + " DataSourceTransactionManager (or JdbcTransactionManager, or a JpaTransactionManager) on"
                        + " that DataSource, or turn transactional completion off.");
    }

    @Test
    void failsStartupWithTransactionalCompletionWhenTheTransactionManagerRunsWithoutSynchronization() {
        assertThatThrownBy(() -> Contexts.start(transactional(), UnsynchronizedManager.class))
                .rootCause().hasMessageContaining("runs without it (transactionSynchronization ="
                        + " SYNCHRONIZATION_NEVER)");
    }

    @Test
    void failsStartupWithTransactionalCompletionWhenIdempotencyRunsOutsideTheTransaction() {
        assertThatThrownBy(() -> Contexts.start(transactional(), DefaultOrders.class))
                .hasRootCauseMessage("idempotency.jdbc.transactional-completion=true needs the idempotency advice"
                        + " inside the @Transactional advice, so that a completion runs in the method's transaction,"
                        + " but idempotency's order is EnableIdempotency.DEFAULT_ORDER (Ordered.LOWEST_PRECEDENCE -"
                        + " 100) (@EnableIdempotency(order)) and the transaction advice's is"
                        + " Ordered.LOWEST_PRECEDENCE (@EnableTransactionManagement(order)): idempotency runs outside"
                        + " it. Give transactions the higher precedence, such as @EnableTransactionManagement(order ="
                        + " EnableIdempotency.DEFAULT_ORDER - 1), or turn transactional completion off.");
    }

    @Test
    void startsWithTransactionalCompletionWhenTransactionsWrapIdempotency() {
        try (AnnotationConfigApplicationContext context = Contexts.start(transactional(), TransactionsOutside.class)) {
            assertThat(((JdbcIdempotencyStore) context.getBean(Idempotency.class).store()).isTransactionalCompletion())
                    .isTrue();
        }
    }

    @Test
    void startsWithTransactionalCompletionOnATransactionAwareProxyOfTheManagersDataSource() {
        try (AnnotationConfigApplicationContext context = Contexts.start(transactional(), ProxiedDataSource.class)) {
            JdbcIdempotencyStore store = (JdbcIdempotencyStore) context.getBean(Idempotency.class).store();

            assertThat(store.isTransactionalCompletion()).isTrue();
            assertThat(store.dataSource()).as("the proxy's target, where the store's own work gets a connection")
                    .isSameAs(context.getBean(ProxiedDataSource.class).target);
        }
    }

    @Test
    void refusesACallInATransactionOnAnotherDataSourceBeforeItsBodyRuns() {
        try (AnnotationConfigApplicationContext context = Contexts.start(transactional(), TwoTransactionManagers.class)) {
            Reports reports = context.getBean(Reports.class);

            assertThatThrownBy(() -> reports.export("r-1"))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessageContaining("runs in a transaction that is not on the DataSource of JdbcIdempotencyStore[")
                    .hasMessageEndingWith("so its record could not complete in that transaction (transactional"
                            + " completion). Run the method in a transaction of a transaction manager on the store's"
                            + " DataSource (DataSourceTransactionManager, or JpaTransactionManager with that"
                            + " DataSource), or turn transactional completion off for this store.");
            assertThat(reports.runs()).as("the body did not run").isZero();
        }
    }

    @Test
    void purgesExpiredRecordsOnItsScheduleAndStopsWithTheContext() throws Exception {
        Map<String, Object> properties = Map.of("idempotency.store.type", "jdbc",
                "idempotency.jdbc.create-table", "true",
                "idempotency.jdbc.purge.enabled", "true",
                "idempotency.jdbc.purge.interval", "50ms",
                "idempotency.jdbc.purge.batch-size", "7");
        try (AnnotationConfigApplicationContext context = Contexts.start(properties, OneDataSource.class)) {
            JdbcIdempotencyStore store = (JdbcIdempotencyStore) context.getBean(Idempotency.class).store();
            Instant past = Instant.ofEpochSecond(Instant.now().getEpochSecond() - 3_600);
            for (int i = 0; i < 30; i++) {
                store.claim(IdempotencyRecord.inProgress("old#" + i, "fp", "t", past.plusSeconds(60),
                        past.plusSeconds(10)), past);
            }
            Instant now = Instant.now();
            store.claim(IdempotencyRecord.inProgress("live#1", "fp", "t", now.plusSeconds(600), now.plusSeconds(60)),
                    now);
            JdbcTemplate jdbc = new JdbcTemplate(store.dataSource());

            long deadline = System.nanoTime() + 10_000_000_000L;
            while (jdbc.queryForObject("SELECT COUNT(*) FROM idempotency", Integer.class) > 1
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }

            assertThat(jdbc.queryForList("SELECT id FROM idempotency", String.class)).containsExactly("live#1");
            assertThat(purgeThreads()).hasSize(1);
        }
        assertThat(purgeThreads()).as("stopped with the context (close waits for it)").isEmpty();
    }

    @Test
    void describesEveryPropertyItReadsInTheConfigurationMetadata() throws Exception {
        JsonNode metadata;
        try (InputStream json = JdbcStoreProvider.class.getResourceAsStream(
                "/META-INF/spring-configuration-metadata.json")) {
            metadata = JsonMapper.builder().build().readTree(json);
        }
        List<String> names = new ArrayList<>();
        for (JsonNode property : metadata.get("properties")) {
            assertThat(property.get("description").asString()).as(property.get("name").asString()).isNotBlank();
            names.add(property.get("name").asString());
        }

        assertThat(names).containsExactlyInAnyOrder(JdbcStoreProvider.TABLE_NAME, JdbcStoreProvider.CREATE_TABLE,
                JdbcStoreProvider.TRANSACTIONAL_COMPLETION, JdbcStoreProvider.TIMEOUT, JdbcStoreProvider.PURGE_ENABLED,
                JdbcStoreProvider.PURGE_INTERVAL, JdbcStoreProvider.PURGE_BATCH_SIZE);
        assertThat(metadata.get("hints").get(0).get("values").get(0).get("value").asString())
                .isEqualTo(new JdbcStoreProvider().type());
    }

    @Test
    void describesOrdersInWords() {
        assertThat(TransactionalCompletionCheck.describe(Ordered.LOWEST_PRECEDENCE - 1))
                .isEqualTo("Ordered.LOWEST_PRECEDENCE - 1");
        assertThat(TransactionalCompletionCheck.describe(Ordered.HIGHEST_PRECEDENCE)).isEqualTo("Ordered.HIGHEST_PRECEDENCE");
        assertThat(TransactionalCompletionCheck.describe(0)).isEqualTo("0");
    }

    private static List<Thread> purgeThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("idempotency-jdbc-purge") && t.isAlive()).toList();
    }

    private static Map<String, Object> transactional() {
        Map<String, Object> properties = new HashMap<>();
        properties.put("idempotency.store.type", "jdbc");
        properties.put("idempotency.jdbc.create-table", "true");
        properties.put("idempotency.jdbc.transactional-completion", "true");
        return properties;
    }

    static DataSource h2() {
        JdbcConnectionPool pool = JdbcConnectionPool.create("jdbc:h2:mem:spring-" + UUID.randomUUID()
                + ";DB_CLOSE_DELAY=-1", "sa", "");
        pool.setMaxConnections(16);
        return pool;
    }

    @Configuration
    @EnableIdempotency
    static class NoDataSource {
    }

    @Configuration
    @EnableIdempotency
    static class OneDataSource {

        @Bean
        DataSource dataSource() {
            return h2();
        }
    }

    @Configuration
    @EnableIdempotency
    static class OtherDataSourcesManager extends OneDataSource {

        @Bean
        PlatformTransactionManager transactionManager() {
            return new DataSourceTransactionManager(h2());
        }
    }

    @Configuration
    @EnableTransactionManagement
    @EnableIdempotency
    static class DefaultOrders extends OneDataSource {

        @Bean
        PlatformTransactionManager transactionManager(DataSource dataSource) {
            return new DataSourceTransactionManager(dataSource);
        }
    }

    @Configuration
    @EnableIdempotency
    static class UnsynchronizedManager extends OneDataSource {

        @Bean
        PlatformTransactionManager transactionManager(DataSource dataSource) {
            DataSourceTransactionManager manager = new DataSourceTransactionManager(dataSource);
            manager.setTransactionSynchronization(DataSourceTransactionManager.SYNCHRONIZATION_NEVER);
            return manager;
        }
    }

    /** Exports in a transaction of the other DataSource's manager: transactional completion cannot join it. */
    static class Reports {

        private final java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();

        @Transactional("otherTransactionManager")
        @Idempotent(key = "#id")
        public String export(String id) {
            return id + " run " + runs.incrementAndGet();
        }

        int runs() {
            return runs.get();
        }
    }

    @Configuration
    @EnableTransactionManagement(order = EnableIdempotency.DEFAULT_ORDER - 1)
    @EnableIdempotency
    static class TwoTransactionManagers {

        @Bean
        @Primary
        DataSource dataSource() {
            return h2();
        }

        @Bean
        @Primary
        PlatformTransactionManager transactionManager(DataSource dataSource) {
            return new DataSourceTransactionManager(dataSource);
        }

        @Bean
        PlatformTransactionManager otherTransactionManager() {
            return new DataSourceTransactionManager(h2());
        }

        @Bean
        Reports reports() {
            return new Reports();
        }
    }

    @Configuration
    @EnableTransactionManagement(order = EnableIdempotency.DEFAULT_ORDER - 1)
    @EnableIdempotency
    static class TransactionsOutside extends OneDataSource {

        @Bean
        PlatformTransactionManager transactionManager(DataSource dataSource) {
            return new DataSourceTransactionManager(dataSource);
        }
    }

    @Configuration
    @EnableTransactionManagement(order = EnableIdempotency.DEFAULT_ORDER - 1)
    @EnableIdempotency
    static class ProxiedDataSource {

        final DataSource target = h2();

        @Bean
        DataSource dataSource() {
            return new org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy(target);
        }

        @Bean
        PlatformTransactionManager transactionManager() {
            return new DataSourceTransactionManager(target);
        }
    }
}

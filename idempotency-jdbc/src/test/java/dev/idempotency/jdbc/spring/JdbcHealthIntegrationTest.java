package dev.idempotency.jdbc.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

import dev.idempotency.jdbc.JdbcIdempotencyStore;
import dev.idempotency.jdbc.JdbcIdempotencyTable;
import dev.idempotency.jdbc.testing.PostgresExtension;
import dev.idempotency.jdbc.testing.PostgresServer;
import dev.idempotency.jdbc.testing.SilentProxy;
import dev.idempotency.spring.boot.IdempotencyAutoConfiguration;

import com.zaxxer.hikari.HikariDataSource;

/**
 * The {@code idempotency} health of the JDBC store: up while its table answers, down when the table is missing or
 * PostgreSQL is stopped, and contributed by Boot only when the engine's store is the JDBC store.
 */
@ExtendWith(PostgresExtension.class)
class JdbcHealthIntegrationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IdempotencyAutoConfiguration.class,
                    JdbcHealthAutoConfiguration.class, HealthContributorRegistryAutoConfiguration.class))
            .withBean(DataSource.class, JdbcHealthIntegrationTest::h2);

    /** A fresh in-memory H2 database, kept while the JVM runs. */
    private static DataSource h2() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        return h2;
    }

    private static Health health(JdbcIdempotencyStore store) {
        return new JdbcHealthIndicator(() -> store).health();
    }

    @Test
    void isUpAndDownOnPostgresqlAsItStartsAndStops() throws Exception {
        try (PostgresServer postgres = PostgresServer.start()) {
            HikariDataSource pool = postgres.pool(2, Duration.ofSeconds(1));
            JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(pool)
                    .tableName(PostgresServer.newTableName()).build();
            JdbcIdempotencyTable.create(store);

            Health up = health(store);
            assertThat(up.getStatus()).isEqualTo(Status.UP);
            assertThat(up.getDetails()).isEqualTo(Map.of("store", "jdbc", "table", store.tableName(),
                    "database", "PostgreSQL"));

            postgres.stop();
            long start = System.nanoTime();
            Health down = health(store);
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(down.getStatus()).isEqualTo(Status.DOWN);
            assertThat(down.getDetails()).containsEntry("table", store.tableName()).containsKey("error");
            assertThat(took).as("bounded by the pool's connection timeout").isLessThan(Duration.ofSeconds(3));
        }
    }

    @Test
    void isDownWithinTheTimeoutWhenPostgresqlStopsAnswering(PostgresServer postgres) throws Exception {
        try (SilentProxy proxy = SilentProxy.to(postgres.port());
                Connection connection = DriverManager.getConnection(
                        "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres", "postgres", "")) {
            JdbcIdempotencyStore store = JdbcIdempotencyStore.builder()
                    .dataSource(new SingleConnectionDataSource(connection, true))
                    .tableName(PostgresServer.newTableName()).timeout(Duration.ofSeconds(1)).build();
            JdbcIdempotencyTable.create(store);
            assertThat(health(store).getStatus()).isEqualTo(Status.UP);

            proxy.silence();
            long start = System.nanoTime();
            CompletableFuture<Health> health = CompletableFuture.supplyAsync(() -> health(store));

            assertThat(health.get(15, TimeUnit.SECONDS).getStatus()).isEqualTo(Status.DOWN);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
        }
    }

    @Test
    void isDownWhenTheTableIsMissing() {
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(h2()).tableName("missing_table").build();

        Health health = health(store);

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(String.valueOf(health.getDetails().get("error"))).containsIgnoringCase("missing_table");
    }

    @Test
    void isDownWhenAColumnOfTheStoreWasRenamed() {
        DataSource h2 = h2();
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(h2).build();
        JdbcIdempotencyTable.create(store);
        new JdbcTemplate(h2).execute("ALTER TABLE idempotency ALTER COLUMN status RENAME TO state");

        Health health = health(store);

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(String.valueOf(health.getDetails().get("error"))).contains("lacks a column the store uses")
                .containsIgnoringCase("status");
    }

    @Test
    void isDownOnPostgresqlWhenTheTableOfThatNameIsAnotherApplications(PostgresServer postgres) {
        String table = PostgresServer.newTableName();
        postgres.execute("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, name TEXT)");
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(postgres.sharedPool())
                .tableName(table).build();

        Health health = health(store);

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails()).containsEntry("table", table);
        assertThat(String.valueOf(health.getDetails().get("error"))).contains("lacks a column the store uses")
                .contains("status");
    }

    @Test
    void isContributedAsIdempotencyWhenTheStoreTypeIsJdbc() {
        runner.withPropertyValues("idempotency.store.type=jdbc", "idempotency.jdbc.create-table=true").run(context -> {
            assertThat(context).hasNotFailed().hasBean("idempotencyHealthIndicator");
            HealthIndicator indicator = (HealthIndicator) context.getBean(HealthContributorRegistry.class)
                    .getContributor("idempotency");
            Health health = indicator.health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("database", "H2").containsEntry("table", "idempotency");
        });
    }

    @Test
    void isContributedForTheApplicationsJdbcStoreBean() {
        runner.withUserConfiguration(OwnStore.class).run(context -> assertThat(context).hasNotFailed()
                .hasBean("idempotencyHealthIndicator"));
    }

    @Test
    void isNotContributedForTheMemoryStoreNorWhenTurnedOff() {
        runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("idempotencyHealthIndicator"));
        runner.withPropertyValues("idempotency.store.type=jdbc", "idempotency.jdbc.create-table=true",
                "management.health.idempotency.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("idempotencyHealthIndicator"));
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnStore {

        @Bean
        JdbcIdempotencyStore idempotencyStore(DataSource dataSource) {
            return JdbcIdempotencyStore.builder().dataSource(dataSource).build();
        }
    }
}

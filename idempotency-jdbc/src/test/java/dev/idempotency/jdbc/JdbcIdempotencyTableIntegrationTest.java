package dev.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.UUID;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.jdbc.testing.PostgresExtension;
import dev.idempotency.jdbc.testing.PostgresServer;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.RecordStatus;

/** The shipped schema, create-if-missing, and the purge of expired records, on PostgreSQL and H2. */
@ExtendWith(PostgresExtension.class)
class JdbcIdempotencyTableIntegrationTest {

    private static PostgresServer postgres;

    @BeforeAll
    static void server(PostgresServer server) {
        postgres = server;
    }

    private static DataSource dataSource(JdbcDialect dialect) {
        return dialect == JdbcDialect.POSTGRESQL ? postgres.sharedPool() : JdbcIdempotencyStoreH2Test.h2("table");
    }

    @ParameterizedTest
    @EnumSource(JdbcDialect.class)
    void shipsTheSchemaItCreatesForTheDefaultNames(JdbcDialect dialect) throws IOException {
        String shipped;
        try (InputStream in = JdbcDialect.class.getClassLoader().getResourceAsStream(dialect.schemaResource())) {
            assertThat(in).as(dialect.schemaResource()).isNotNull();
            shipped = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String statements = shipped.lines().filter(line -> !line.startsWith("--"))
                .collect(Collectors.joining("\n")).strip() + "\n";
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(dataSource(dialect)).build();

        assertThat(statements).isEqualTo(JdbcIdempotencyTable.schema(store, dialect));
    }

    @ParameterizedTest
    @EnumSource(JdbcDialect.class)
    void createsTheTableOnceAndLeavesAnExistingOneAlone(JdbcDialect dialect) {
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(dataSource(dialect))
                .tableName(PostgresServer.newTableName()).build();

        assertThat(JdbcIdempotencyTable.create(store)).isTrue();
        assertThat(JdbcIdempotencyTable.create(store)).isFalse();
        assertThat(store.claim(claim("t#1", Instant.now()), Instant.now()).isClaimed()).isTrue();
    }

    @Test
    void createsATableInASchemaWithTheStoresColumnNames() {
        postgres.execute("CREATE SCHEMA IF NOT EXISTS payments");
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(postgres.sharedPool())
                .tableName("payments." + PostgresServer.newTableName())
                .idColumn("key_hash").statusColumn("state").fingerprintColumn("payload_hash")
                .claimTokenColumn("owner").expiresAtColumn("retain_until").leaseExpiresAtColumn("lease_until")
                .resultColumn("response").build();

        assertThat(JdbcIdempotencyTable.create(store)).isTrue();
        IdempotencyRecord claim = claim("p#1", Instant.now());
        assertThat(store.claim(claim, Instant.now()).isClaimed()).isTrue();
        assertThat(store.find("p#1")).contains(claim);
        assertThat(JdbcIdempotencyTable.schema(store, JdbcDialect.POSTGRESQL))
                .contains("CREATE INDEX IF NOT EXISTS " + store.tableName().substring("payments.".length())
                        + "_retain_until ON " + store.tableName() + " (retain_until)");
    }

    @Test
    void refusesAnExistingTableThatLacksAColumnOfTheStore() {
        String table = PostgresServer.newTableName();
        postgres.execute("CREATE TABLE " + table + " (id VARCHAR(512) PRIMARY KEY, status VARCHAR(16))");
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(postgres.sharedPool())
                .tableName(table).build();

        assertThatThrownBy(() -> JdbcIdempotencyTable.create(store))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageStartingWith("Failed to create the table: table '" + table + "' in PostgreSQL at 127.0.0.1:"
                        + postgres.port() + "/postgres lacks a column the store uses (SQLState 42703: column")
                .hasMessageEndingWith("Create the table from the store's schema (JdbcIdempotencyTable.create(store)),"
                        + " or set the store's column names to the table's.");
    }

    @ParameterizedTest
    @EnumSource(JdbcDialect.class)
    void tellsWhatToDoAboutAMissingTable(JdbcDialect dialect) {
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(dataSource(dialect))
                .tableName("missing_" + UUID.randomUUID().toString().replace("-", "")).build();

        assertThatThrownBy(() -> store.claim(claim("m#1", Instant.now()), Instant.now()))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageStartingWith("Failed to claim a record: table '" + store.tableName() + "' in "
                        + dialect.productName() + " at ")
                .hasMessageContaining(" does not exist (SQLState ")
                .hasMessageEndingWith(". Create it with JdbcIdempotencyTable.create(store) or the schema in"
                        + " dev/idempotency/jdbc/schema-postgresql.sql or schema-h2.sql, or set"
                        + " idempotency.jdbc.create-table=true; or check the table name and the DataSource's"
                        + " database and schema.");
    }

    @ParameterizedTest
    @EnumSource(JdbcDialect.class)
    void purgesExpiredRecordsInBatchesAndLeavesLiveOnes(JdbcDialect dialect) {
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(dataSource(dialect))
                .tableName(PostgresServer.newTableName()).build();
        JdbcIdempotencyTable.create(store);
        Instant then = Instant.ofEpochSecond(Instant.now().getEpochSecond());
        for (int i = 0; i < 250; i++) {
            IdempotencyRecord claim = claim("old#" + i, then);
            store.claim(claim, then);
            if (i % 2 == 0) {
                store.complete(claim.finish(RecordStatus.COMPLETED, new byte[] {1}, then.plusSeconds(60)));
            }
        }
        Instant later = then.plusSeconds(60);
        for (int i = 0; i < 50; i++) {
            store.claim(claim("live#" + i, later), later);
        }
        // An expired record claimed again is live: the purge leaves it.
        IdempotencyRecord again = claim("old#0", later);
        assertThat(store.claim(again, later).isClaimed()).isTrue();

        assertThat(store.purgeExpired(later, 100)).isEqualTo(100);
        assertThat(store.purgeExpired(later, 100)).isEqualTo(100);
        assertThat(store.purgeExpired(later, 100)).isEqualTo(49);
        assertThat(store.purgeExpired(later, 100)).isZero();

        assertThat(store.find("old#0")).contains(again);
        assertThat(store.find("old#1")).isEmpty();
        assertThat(store.find("live#49")).isPresent();
        assertThat(count(store)).isEqualTo(51);
    }

    @Test
    void purgesThroughTheIndexOnTheExpiry() throws SQLException {
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(postgres.sharedPool())
                .tableName(PostgresServer.newTableName()).build();
        JdbcIdempotencyTable.create(store);
        String purge = store.layout().statements(JdbcDialect.POSTGRESQL).purge();

        String plan;
        try (Connection connection = postgres.sharedPool().getConnection();
                Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            statement.execute("SET LOCAL enable_seqscan = off");
            try (ResultSet rows = statement.executeQuery("EXPLAIN " + purge.replace("?", "1"))) {
                StringBuilder lines = new StringBuilder();
                while (rows.next()) {
                    lines.append(rows.getString(1)).append('\n');
                }
                plan = lines.toString();
            }
            connection.rollback();
            connection.setAutoCommit(true);
        }

        assertThat(plan).contains("Index Scan using " + store.layout().expiryIndexName());
    }

    private static int count(JdbcIdempotencyStore store) {
        try (Connection connection = store.dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM " + store.tableName())) {
            rows.next();
            return rows.getInt(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static IdempotencyRecord claim(String id, Instant at) {
        Instant now = Instant.ofEpochSecond(at.getEpochSecond());
        return IdempotencyRecord.inProgress(id, "fp", UUID.randomUUID().toString(), now.plusSeconds(30),
                now.plusSeconds(10));
    }
}

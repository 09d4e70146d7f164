package dev.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.jdbc.testing.PostgresExtension;
import dev.idempotency.jdbc.testing.PostgresServer;
import dev.idempotency.store.AbstractIdempotencyStoreContractTest;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.IdempotencyStore;
import dev.idempotency.store.RecordStatus;

/** The whole store contract against a real PostgreSQL, plus the row layout the README documents. */
@ExtendWith(PostgresExtension.class)
class JdbcIdempotencyStorePostgresIntegrationTest extends AbstractIdempotencyStoreContractTest {

    private static PostgresServer postgres;
    private static String table;

    @BeforeAll
    static void createTable(PostgresServer server) {
        postgres = server;
        table = PostgresServer.newTableName();
        assertThat(JdbcIdempotencyTable.create(newStore())).isTrue();
    }

    private static JdbcIdempotencyStore newStore() {
        return JdbcIdempotencyStore.builder().dataSource(postgres.sharedPool()).tableName(table).build();
    }

    @Override
    protected IdempotencyStore createStore() {
        return newStore();
    }

    @Test
    void writesAClaimWithTheDocumentedColumnsAndTypes() throws SQLException {
        String id = newId();
        store.claim(inProgress(id, "owner"), now());

        assertThat(row(id)).containsExactly(
                Map.entry("id", id),
                Map.entry("status", "IN_PROGRESS"),
                Map.entry("fingerprint", "fingerprint"),
                Map.entry("claim_token", "owner"),
                Map.entry("expires_at", now().plus(TTL).getEpochSecond()),
                Map.entry("lease_expires_at", now().plus(LEASE).toEpochMilli()),
                Map.entry("result", "null"));
    }

    @Test
    void completesWithTheResultAsBytesAndNoLease() throws SQLException {
        String id = newId();
        IdempotencyRecord claim = inProgress(id, "owner");
        store.claim(claim, now());

        store.complete(claim.finish(RecordStatus.COMPLETED, new byte[] {0, -1, 42}, now().plus(TTL)));

        Map<String, Object> row = row(id);
        assertThat(row.get("status")).isEqualTo("COMPLETED");
        assertThat(row.get("lease_expires_at")).isEqualTo("null");
        assertThat(row.get("result")).isEqualTo("[0, -1, 42]");
    }

    @Test
    void claimsAndCompletesForAnInterruptedThreadAndKeepsItsInterruptFlag() {
        String id = newId();
        IdempotencyRecord claim = inProgress(id, "owner");
        IdempotencyRecord done = claim.finish(RecordStatus.COMPLETED, bytes("r"), retainUntil(now()));
        Thread.currentThread().interrupt();
        try {
            assertThat(store.claim(claim, now()).isClaimed()).isTrue();
            assertThat(store.complete(done)).isTrue();
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(store.find(id)).contains(done);
    }

    @Test
    void reportsARowThatIsNotARecordAsAStoreFailureNamingTheTable() {
        String id = newId();
        postgres.execute("ALTER TABLE " + table + " DROP CONSTRAINT IF EXISTS " + table + "_status_check");
        postgres.execute("INSERT INTO " + table + " (id, status, fingerprint, claim_token, expires_at)"
                + " VALUES ('" + id + "', 'SHIPPED', 'f', 't', 1)");

        assertThatThrownBy(() -> store.find(id))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageContaining("table '" + table + "' in PostgreSQL at 127.0.0.1:" + postgres.port()
                        + "/postgres")
                .hasMessageContaining("column 'status' holds the unknown status 'SHIPPED'");
    }

    private static Map<String, Object> row(String id) throws SQLException {
        try (Connection connection = postgres.sharedPool().getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT * FROM " + table + " WHERE id = '" + id + "'")) {
            assertThat(rows.next()).isTrue();
            Map<String, Object> row = new LinkedHashMap<>();
            for (int column = 1; column <= rows.getMetaData().getColumnCount(); column++) {
                Object value = rows.getObject(column);
                row.put(rows.getMetaData().getColumnName(column), value instanceof byte[] bytes
                        ? java.util.Arrays.toString(bytes) : value == null ? "null" : value);
            }
            return row;
        }
    }
}

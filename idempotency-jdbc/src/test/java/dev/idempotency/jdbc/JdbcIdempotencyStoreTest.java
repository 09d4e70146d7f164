package dev.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.postgresql.ds.PGSimpleDataSource;

import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.store.IdempotencyRecord;

/** The builder's checks, the messages that name the database, and what the store refuses before any statement. */
class JdbcIdempotencyStoreTest {

    private static final PGSimpleDataSource NOWHERE = new PGSimpleDataSource();

    @Test
    void needsADataSource() {
        assertThatThrownBy(() -> JdbcIdempotencyStore.builder().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("dataSource must be set: the DataSource the store borrows its connections from");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "idempotency; drop table x | tableName must be a plain SQL name (letters, digits and '_', not starting"
                    + " with a digit, at most 63 characters), optionally after a schema name and a dot, but was"
                    + " 'idempotency; drop table x'",
            "1table | tableName must be a plain SQL name (letters, digits and '_', not starting with a digit, at most"
                    + " 63 characters), optionally after a schema name and a dot, but was '1table'",
    })
    void refusesATableNameThatIsNotAPlainSqlName(String tableName, String message) {
        assertThatThrownBy(() -> JdbcIdempotencyStore.builder().tableName(tableName))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @Test
    void acceptsASchemaQualifiedTableName() {
        assertThat(JdbcIdempotencyStore.builder().dataSource(NOWHERE).tableName("payments.idempotency").build()
                .tableName()).isEqualTo("payments.idempotency");
    }

    @Test
    void refusesAColumnNameThatIsNotAPlainSqlName() {
        assertThatThrownBy(() -> JdbcIdempotencyStore.builder().resultColumn("result\""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("resultColumn must be a plain SQL name (letters, digits and '_', not starting with a digit,"
                        + " at most 63 characters), but was 'result\"'");
    }

    @Test
    void refusesTwoSettingsThatNameTheSameColumn() {
        assertThatThrownBy(() -> JdbcIdempotencyStore.builder().dataSource(NOWHERE).resultColumn("STATUS").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("every column needs its own name, but 'STATUS' is both statusColumn and resultColumn");
    }

    @Test
    void refusesANonPositiveMaxResultBytes() {
        assertThatThrownBy(() -> JdbcIdempotencyStore.builder().maxResultBytes(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxResultBytes must be positive, but was 0");
    }

    @Test
    void printsItsEffectiveSettings() {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setUrl("jdbc:postgresql://db.internal:5432/orders");

        assertThat(JdbcIdempotencyStore.builder().dataSource(dataSource).build()).hasToString(
                "JdbcIdempotencyStore[table=idempotency, database=PostgreSQL at db.internal:5432/orders,"
                        + " dialect=detected at first use, idColumn=id, statusColumn=status,"
                        + " fingerprintColumn=fingerprint, claimTokenColumn=claim_token, expiresAtColumn=expires_at,"
                        + " leaseExpiresAtColumn=lease_expires_at, resultColumn=result, maxResultBytes=1048576,"
                        + " timeout=PT5S, transactionalCompletion=false]");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "jdbc:postgresql://app:s3cret@db.internal:5432/orders?password=s3cret&ssl=true"
                    + " | PostgreSQL at db.internal:5432/orders",
            "jdbc:postgresql://db1:5432,db2:5432/orders?user=app | PostgreSQL at db1:5432,db2:5432/orders",
            "jdbc:h2:mem:orders;DB_CLOSE_DELAY=-1;PASSWORD=s3cret | H2 at mem:orders",
            "jdbc:h2:file:/var/data/orders;USER=sa | H2 at file:/var/data/orders",
    })
    void namesTheDatabaseWithoutCredentials(String url, String where) {
        assertThat(StoreFailures.describe(url.startsWith("jdbc:h2") ? "H2" : "PostgreSQL", url)).isEqualTo(where);
    }

    @Test
    void failsClosedNamingTheDatabaseWhenItCannotBeReached() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setUrl("jdbc:postgresql://127.0.0.1:" + port + "/orders?user=app&password=s3cret");
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(dataSource).build();
        Instant now = Instant.ofEpochSecond(Instant.now().getEpochSecond());

        assertThatThrownBy(() -> store.claim(IdempotencyRecord.inProgress("orders#1", "fp", "token",
                now.plusSeconds(60), now.plusSeconds(10)), now))
                .isInstanceOf(IdempotencyStoreException.class)
                .hasMessageStartingWith("Failed to claim a record: could not reach PostgreSQL at 127.0.0.1:" + port
                        + "/orders for table 'idempotency' in PostgreSQL at 127.0.0.1:" + port + "/orders (SQLState"
                        + " 08001: ")
                .hasMessageEndingWith("). Check that the database is up, the DataSource's URL, the network, and that"
                        + " its pool is large enough (a call with transactional completion holds two connections at"
                        + " once).")
                .message().doesNotContain("s3cret");
    }

    @Test
    void refusesAnIdLongerThanTheColumnBeforeAnyStatement() {
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(NOWHERE).build();
        Instant now = Instant.now();

        assertThatThrownBy(() -> store.claim(IdempotencyRecord.inProgress("x".repeat(513), "fp", "token",
                now.plusSeconds(60), now.plusSeconds(10)), now))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("id must be at most 512 characters, but was 513");
    }

    @Test
    void roundsTimesUpSoThatNothingEndsEarly() {
        assertThat(JdbcIdempotencyStore.epochSeconds(Instant.ofEpochSecond(10, 1))).isEqualTo(11);
        assertThat(JdbcIdempotencyStore.epochSeconds(Instant.ofEpochSecond(10))).isEqualTo(10);
        assertThat(JdbcIdempotencyStore.epochMillis(Instant.ofEpochMilli(10).plusNanos(1))).isEqualTo(11);
        assertThat(JdbcIdempotencyStore.epochMillis(Instant.ofEpochMilli(10))).isEqualTo(10);
    }
}

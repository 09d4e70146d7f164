package dev.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.store.IdempotencyRecord;

/**
 * A password in the DataSource's JDBC URL never shows: not in the store's description (the startup log line), not
 * in the messages of its exceptions or their causes, not in what the engine logs.
 */
class JdbcCredentialsTest {

    private static final String SECRET = "s3cr/t@pw";

    @ParameterizedTest
    @ValueSource(strings = {
            "jdbc:postgresql://127.0.0.1:1/orders?user=app&password=" + SECRET,
            "jdbc:postgresql://127.0.0.1:1/orders?ssl=false&password=" + SECRET + "&user=app",
            "jdbc:postgresql://app:" + SECRET + "@127.0.0.1:1/orders",
            "jdbc:postgresql://app:" + SECRET + "@127.0.0.1:1/orders?password=" + SECRET,
            "jdbc:h2:mem:orders;USER=app;PASSWORD=" + SECRET})
    void neverShowsThePasswordOfTheUrl(String url) {
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(new DriverManagerDataSource(url))
                .build();

        assertThat(store.toString()).doesNotContain(SECRET).doesNotContain("t@pw");

        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream err = System.err;
        IdempotencyStoreException failure;
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try {
            failure = catchThrowableOfType(IdempotencyStoreException.class, () -> Idempotency.builder().store(store)
                    .build().operation("orders.place", String.class).build().execute("o-1", () -> "placed"));
            catchThrowableOfType(IdempotencyStoreException.class, () -> store.find("orders.place#x"));
            catchThrowableOfType(IdempotencyStoreException.class, () -> store.complete(new IdempotencyRecord(
                    "orders.place#x", dev.idempotency.store.RecordStatus.COMPLETED, "f", "t",
                    Instant.now().plusSeconds(60), null, null)));
        } finally {
            System.setErr(err);
        }
        if (failure != null) {
            for (String message : messages(failure)) {
                assertThat(message).doesNotContain(SECRET).doesNotContain("t@pw");
            }
        }
        // PostgreSQL's driver logs a URL it cannot parse itself, through java.util.logging: not ours to mask.
        String ours = log.toString(StandardCharsets.UTF_8).lines()
                .filter(line -> !line.contains("org.postgresql.Driver") && !line.contains("JDBC URL contains"))
                .reduce("", (a, b) -> a + b + "\n");
        assertThat(ours).doesNotContain(SECRET).doesNotContain("t@pw");
        assertThat(store.toString()).doesNotContain(SECRET).doesNotContain("t@pw");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "jdbc:postgresql://h/db?user=u&password=" + SECRET,
            "jdbc:postgresql://u:" + SECRET + "@h/db",
            "jdbc:h2:tcp://u:" + SECRET + "@h/db;PASSWORD=" + SECRET})
    void describesTheDatabaseWithoutThePassword(String url) {
        assertThat(StoreFailures.describe("PostgreSQL", url)).doesNotContain(SECRET).doesNotContain("t@pw")
                .contains("h");
        assertThat(StoreFailures.mask("connecting to " + url + " failed")).doesNotContain(SECRET)
                .doesNotContain("t@pw").startsWith("connecting to jdbc:");
    }

    /** The messages of {@code failure}, its causes and suppressed exceptions, and SQL's next exceptions. */
    private static List<String> messages(Throwable failure) {
        List<String> messages = new ArrayList<>();
        List<Throwable> todo = new ArrayList<>(List.of(failure));
        while (!todo.isEmpty() && messages.size() < 100) {
            Throwable next = todo.remove(0);
            messages.add(String.valueOf(next.getMessage()));
            messages.add(next.toString());
            if (next.getCause() != null) {
                todo.add(next.getCause());
            }
            todo.addAll(List.of(next.getSuppressed()));
            if (next instanceof java.sql.SQLException sql && sql.getNextException() != null) {
                todo.add(sql.getNextException());
            }
        }
        return messages;
    }
}

package dev.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.jdbc.testing.PostgresExtension;
import dev.idempotency.jdbc.testing.PostgresServer;
import dev.idempotency.testing.ChaosRun;

/**
 * The chaos run of issue "prove it under faults" against the JDBC store: 16 threads, 5,000 calls over 300 keys,
 * 10% of store operations failing before or after they took effect, on PostgreSQL and on H2.
 */
@ExtendWith(PostgresExtension.class)
class JdbcChaosIntegrationTest {

    @Test
    void keepsEveryInvariantOnPostgresWhileTenPercentOfStoreOperationsFail(PostgresServer postgres) throws Exception {
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(postgres.sharedPool())
                .tableName(PostgresServer.newTableName()).build();
        JdbcIdempotencyTable.create(store);

        run("PostgreSQL", store);
    }

    @Test
    void keepsEveryInvariantOnH2WhileTenPercentOfStoreOperationsFail() throws Exception {
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder()
                .dataSource(JdbcIdempotencyStoreH2Test.h2("chaos")).build();
        JdbcIdempotencyTable.create(store);

        run("H2", store);
    }

    private static void run(String database, JdbcIdempotencyStore store) throws InterruptedException {
        long start = System.nanoTime();

        ChaosRun.Report report = new ChaosRun(16, 5_000, 300, 0.10).run(store);

        System.out.println("JDBC chaos run on " + database + " in "
                + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms: " + report);
        assertThat(report.faultsInjected()).isPositive();
        assertThat(report.replays()).as("duplicates answered without running the body").isPositive();
    }
}

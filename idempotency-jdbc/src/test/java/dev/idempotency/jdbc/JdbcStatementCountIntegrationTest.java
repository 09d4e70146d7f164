package dev.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotentOperation;
import dev.idempotency.jdbc.testing.CountingDataSource;
import dev.idempotency.jdbc.testing.PostgresExtension;
import dev.idempotency.jdbc.testing.PostgresServer;
import dev.idempotency.store.ClaimResult;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.RecordStatus;

/**
 * The round trips of SEMANTICS.md, counted exactly as statements executed on the store's connections (a counting
 * DataSource between the store and its pool): PostgreSQL reaches the floor, a duplicate included; H2 pays a second
 * statement for a duplicate.
 */
class JdbcStatementCountIntegrationTest {

    /** The counts every database shares; each nested class supplies its DataSource and its claim's first word. */
    abstract static class Counts {

        private final AtomicInteger runs = new AtomicInteger();
        private CountingDataSource counting;
        private JdbcIdempotencyStore store;

        abstract DataSource dataSource();

        abstract String claimStatement();

        /** What a duplicate of a completed call costs. */
        abstract List<String> duplicateStatements();

        @BeforeEach
        void countStatements() {
            runs.set(0);
            counting = new CountingDataSource(dataSource());
            store = JdbcIdempotencyStore.builder().dataSource(counting.dataSource()).build();
            JdbcIdempotencyTable.create(store);
            counting.reset();
        }

        @Test
        void claimsANewKeyWithOneStatement() {
            assertThat(store.claim(claim(newId()), now()).isClaimed()).isTrue();

            assertThat(counting.statements()).containsExactly(claimStatement());
        }

        @Test
        void refusesAConflictingClaimWithTheStatementsOfADuplicate() {
            String id = newId();
            IdempotencyRecord first = claim(id);
            store.claim(first, now());
            counting.reset();

            ClaimResult second = store.claim(claim(id), now());

            assertThat(second.existing()).isEqualTo(first);
            assertThat(counting.statements()).isEqualTo(duplicateStatements());
        }

        @Test
        void completesWithOneUpdate() {
            IdempotencyRecord claim = claim(newId());
            store.claim(claim, now());
            counting.reset();

            assertThat(store.complete(claim.finish(RecordStatus.COMPLETED, new byte[] {1}, claim.expiresAt())))
                    .isTrue();

            assertThat(counting.statements()).containsExactly("UPDATE");
        }

        @Test
        void releasesWithOneDelete() {
            IdempotencyRecord claim = claim(newId());
            store.claim(claim, now());
            counting.reset();

            assertThat(store.release(claim.id(), claim.claimToken())).isTrue();

            assertThat(counting.statements()).containsExactly("DELETE");
        }

        @Test
        void findsWithOneSelect() {
            store.find(newId());

            assertThat(counting.statements()).containsExactly("SELECT");
        }

        @Test
        void runsAFirstCallWithAClaimAndAnUpdate() {
            assertThat(operation(false).execute("key", "payload", this::body)).isEqualTo("result 1");

            assertThat(counting.statements()).containsExactly(claimStatement(), "UPDATE");
        }

        @Test
        void releasesACallWhoseBodyThrowsWithAClaimAndADelete() {
            IllegalStateException failure = new IllegalStateException("declined");

            assertThatThrownBy(() -> operation(false).execute("key", "payload", () -> {
                throw failure;
            })).isSameAs(failure);

            assertThat(counting.statements()).containsExactly(claimStatement(), "DELETE");
        }

        @Test
        void replaysADuplicateNotInTheLocalCacheWithTheStatementsOfADuplicate() {
            IdempotentOperation<String> operation = operation(false);
            operation.execute("key", "payload", this::body);
            counting.reset();

            assertThat(operation.execute("key", "payload", this::body)).isEqualTo("result 1");

            assertThat(runs).hasValue(1);
            assertThat(counting.statements()).isEqualTo(duplicateStatements());
        }

        @Test
        void replaysADuplicateInTheLocalCacheWithoutAStatement() {
            IdempotentOperation<String> operation = operation(true);
            operation.execute("key", "payload", this::body);
            counting.reset();

            assertThat(operation.execute("key", "payload", this::body)).isEqualTo("result 1");

            assertThat(runs).hasValue(1);
            assertThat(counting.statements()).isEmpty();
        }

        private String body() {
            return "result " + runs.incrementAndGet();
        }

        /** An operation in a namespace of its own, so every test's "key" is a new record. */
        private IdempotentOperation<String> operation(boolean localCache) {
            return Idempotency.builder()
                    .store(store)
                    .config(IdempotencyConfig.builder().localCacheEnabled(localCache).build())
                    .build()
                    .operation("orders.create." + UUID.randomUUID(), String.class)
                    .build();
        }
    }

    @Nested
    @ExtendWith(PostgresExtension.class)
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class OnPostgres extends Counts {

        private PostgresServer postgres;

        @BeforeAll
        void server(PostgresServer server) {
            postgres = server;
        }

        @Override
        DataSource dataSource() {
            return postgres.sharedPool();
        }

        @Override
        String claimStatement() {
            return "WITH";
        }

        /** The claim that loses returns the record: one statement. */
        @Override
        List<String> duplicateStatements() {
            return List.of("WITH");
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class OnH2 extends Counts {

        private final DataSource h2 = JdbcIdempotencyStoreH2Test.h2("counts");

        @Override
        DataSource dataSource() {
            return h2;
        }

        @Override
        String claimStatement() {
            return "MERGE";
        }

        /** H2's MERGE cannot return the row it left alone: a SELECT follows. */
        @Override
        List<String> duplicateStatements() {
            return List.of("MERGE", "SELECT");
        }
    }

    private static String newId() {
        return "counts#" + UUID.randomUUID();
    }

    private static Instant now() {
        return Instant.ofEpochSecond(Instant.now().getEpochSecond());
    }

    private static IdempotencyRecord claim(String id) {
        Instant now = now();
        return IdempotencyRecord.inProgress(id, "fp", UUID.randomUUID().toString(), now.plusSeconds(600),
                now.plusSeconds(60));
    }
}

package dev.idempotency.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.idempotency.testing.ChaosRun;

/** The chaos run of issue "prove it under faults" against the in-memory store. */
class InMemoryChaosTest {

    @Test
    void keepsEveryInvariantWhileTenPercentOfStoreOperationsFail() throws Exception {
        ChaosRun.Report report = new ChaosRun(16, 5_000, 300, 0.10).run(InMemoryIdempotencyStore.create());

        System.out.println("In-memory chaos run: " + report);
        assertThat(report.faultsInjected()).isPositive();
        assertThat(report.replays()).as("duplicates answered without running the body").isPositive();
    }
}

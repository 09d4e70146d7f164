package dev.idempotency.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.IdempotencyInProgressException;
import dev.idempotency.IdempotencyKeyException;
import dev.idempotency.Idempotent;
import dev.idempotency.store.InMemoryIdempotencyStore;
import dev.idempotency.store.RecordStatus;
import dev.idempotency.testing.Hashes;
import dev.idempotency.spring.testing.Contexts;

/** {@link Idempotent} methods that return a {@link CompletableFuture} or a {@link CompletionStage}. */
class AsyncIdempotentMethodTest {

    private AnnotationConfigApplicationContext context;
    private Payments payments;
    private InMemoryIdempotencyStore store;

    @BeforeEach
    void startContext() {
        context = Contexts.start(AppConfig.class);
        payments = context.getBean(Payments.class);
        store = context.getBean(InMemoryIdempotencyStore.class);
    }

    @AfterEach
    void closeContext() {
        context.close();
    }

    @Test
    void claimsTheKeyAtCallTimeAndCompletesTheRecordWhenTheFutureSettles() throws Exception {
        CompletableFuture<Receipt> pending = new CompletableFuture<>();
        payments.nextResult(pending);

        CompletableFuture<Receipt> first = payments.pay(new Order("o-1", 10));

        assertThat(first).isNotDone();
        assertThat(store.size()).isEqualTo(1);
        assertThat(statusOf("o-1")).isEqualTo(RecordStatus.IN_PROGRESS);
        assertThat(payments.pay(new Order("o-1", 10)))
                .failsWithin(1, TimeUnit.SECONDS)
                .withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(IdempotencyInProgressException.class);

        pending.complete(new Receipt("o-1", 10, 1));

        assertThat(first.get(1, TimeUnit.SECONDS)).isEqualTo(new Receipt("o-1", 10, 1));
        assertThat(statusOf("o-1")).isEqualTo(RecordStatus.COMPLETED);
        assertThat(payments.runs()).isEqualTo(1);
    }

    @Test
    void givesADuplicateAnAlreadyCompletedFutureWithoutRunningTheMethod() {
        payments.nextResult(CompletableFuture.completedFuture(new Receipt("o-1", 10, 1)));
        payments.pay(new Order("o-1", 10)).join();

        CompletableFuture<Receipt> duplicate = payments.pay(new Order("o-1", 10));

        assertThat(duplicate).isCompletedWithValue(new Receipt("o-1", 10, 1));
        assertThat(payments.runs()).isEqualTo(1);
    }

    @Test
    void releasesTheKeyWhenTheFutureFailsSoThatARetryRunsAgain() {
        CompletableFuture<Receipt> failing = new CompletableFuture<>();
        payments.nextResult(failing);
        CompletableFuture<Receipt> first = payments.pay(new Order("o-1", 10));
        IllegalStateException gatewayDown = new IllegalStateException("gateway down");

        failing.completeExceptionally(gatewayDown);

        assertThat(first).failsWithin(1, TimeUnit.SECONDS)
                .withThrowableOfType(ExecutionException.class)
                .withCause(gatewayDown);
        assertThat(store.size()).isZero();
        payments.nextResult(CompletableFuture.completedFuture(new Receipt("o-1", 10, 2)));
        assertThat(payments.pay(new Order("o-1", 10))).isCompletedWithValue(new Receipt("o-1", 10, 2));
        assertThat(payments.runs()).isEqualTo(2);
    }

    @Test
    void replaysAGenericValueOfACompletionStage() {
        List<Receipt> receipts = List.of(new Receipt("o-1", 10, 1), new Receipt("o-2", 20, 1));
        CompletionStage<List<Receipt>> first = payments.payAll("batch-1", receipts);
        CompletionStage<List<Receipt>> second = payments.payAll("batch-1", receipts);

        assertThat(second.toCompletableFuture()).isCompletedWithValue(first.toCompletableFuture().join());
        assertThat(second.toCompletableFuture().join()).allSatisfy(r -> assertThat(r).isInstanceOf(Receipt.class));
        assertThat(payments.runs()).isEqualTo(1);
    }

    @Test
    void failsTheFutureWhenTheKeyExpressionFails() {
        CompletableFuture<Receipt> result = payments.payWithBrokenKey(new Order("o-1", 10));

        assertThat(result).failsWithin(1, TimeUnit.SECONDS)
                .withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(IdempotencyKeyException.class)
                .withMessageContaining("Payments.payWithBrokenKey(Order)");
        assertThat(payments.runs()).isZero();
    }

    @Test
    void rethrowsACheckedExceptionThrownBeforeAFutureExistsAndReleasesTheKey() {
        assertThatThrownBy(() -> payments.payOrThrow(new Order("o-1", 10))).isInstanceOf(IOException.class)
                .hasMessage("gateway unreachable");
        assertThat(store.size()).isZero();
        assertThat(payments.runs()).isEqualTo(1);
    }

    private RecordStatus statusOf(String orderId) {
        String id = Payments.class.getName() + ".pay#" + Hashes.sha256(orderId);
        return store.find(id).orElseThrow().status();
    }

    @Configuration
    @EnableIdempotency
    static class AppConfig {

        @Bean
        Payments payments() {
            return new Payments();
        }

        @Bean
        InMemoryIdempotencyStore store() {
            return InMemoryIdempotencyStore.create();
        }
    }

    /** The annotated service; the test hands it the futures to return. */
    static class Payments {

        private final AtomicInteger runs = new AtomicInteger();
        private volatile CompletableFuture<Receipt> nextResult;

        int runs() {
            return runs.get();
        }

        void nextResult(CompletableFuture<Receipt> result) {
            nextResult = result;
        }

        @Idempotent(key = "#order.id")
        public CompletableFuture<Receipt> pay(Order order) {
            runs.incrementAndGet();
            return nextResult;
        }

        @Idempotent(key = "#batchId")
        public CompletionStage<List<Receipt>> payAll(String batchId, List<Receipt> receipts) {
            runs.incrementAndGet();
            return CompletableFuture.completedFuture(receipts);
        }

        @Idempotent(key = "#order.customer")
        public CompletableFuture<Receipt> payWithBrokenKey(Order order) {
            runs.incrementAndGet();
            return nextResult;
        }

        @Idempotent(key = "#order.id")
        public CompletableFuture<Receipt> payOrThrow(Order order) throws IOException {
            runs.incrementAndGet();
            throw new IOException("gateway unreachable");
        }
    }
}

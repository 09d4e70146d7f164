package dev.idempotency.dynamodb.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.IdempotencyConfig;
import dev.idempotency.Idempotent;
import dev.idempotency.dynamodb.testing.DynaliteExtension;
import dev.idempotency.dynamodb.testing.TestDynamoDb;
import dev.idempotency.testing.Hashes;
import dev.idempotency.testing.MutableClock;
import dev.idempotency.spring.EnableIdempotency;
import dev.idempotency.spring.testing.Contexts;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Keys may hold personal data. Through Spring, with the DynamoDB store on a live server, drive every path that
 * stores, logs or throws with an e-mail address as the key, then scan every item of the table, the log file and every
 * exception message for it: only its hash may appear. Also: the same key in two methods is two records.
 */
@ExtendWith(DynaliteExtension.class)
class SpringKeySecrecyIntegrationTest {

    private static final Duration LEASE = Duration.ofSeconds(5);

    private static TestDynamoDb dynamoDb;

    /** An e-mail address with a unique suffix, so that the scan cannot match another test's output. */
    private final String email = "alice.smith+" + UUID.randomUUID() + "@example.com";
    private final List<String> messages = new ArrayList<>();
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private PrintStream standardError;

    @BeforeAll
    static void keepTheServer(TestDynamoDb testDynamoDb) {
        dynamoDb = testDynamoDb;
    }

    /** The test logger (slf4j-simple) writes to whatever System.err is at the time: copy it. */
    @BeforeEach
    void captureTheLog() {
        standardError = System.err;
        System.setErr(new PrintStream(new Tee(standardError, log), true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreStandardError() {
        System.setErr(standardError);
    }

    @Test
    void neverStoresLogsOrThrowsTheRawKey() throws Exception {
        String table = dynamoDb.createTable();
        try (AnnotationConfigApplicationContext context = Contexts.start(properties(table), AppConfig.class)) {
            Accounts accounts = context.getBean(Accounts.class);

            accounts.register(email, "Alice");
            accounts.register(email, "Alice");
            expectFailure(() -> accounts.register(email, "Bob"));
            expectFailure(() -> accounts.registerOrFail(email, false));
            expectFailure(() -> accounts.registerOrFail(email, true));
            expectFailure(() -> accounts.registerOrFail(email, true));
            accounts.export(email);
            expectFailure(() -> accounts.export(email));
            accounts.link(email);
            expectFailure(() -> accounts.link(email));
            expectFailure(() -> accounts.registerByMissingProperty(email));
            overrunTheLease(accounts, context.getBean(MutableClock.class));
        }
        try (AnnotationConfigApplicationContext missingTable =
                Contexts.start(properties(dynamoDb.newTableName()), AppConfig.class)) {
            expectFailure(() -> missingTable.getBean(Accounts.class).register(email, "Alice"));
        }

        String hash = Hashes.sha256(email);
        List<String> stored = storedText(table);
        assertThat(stored).as("the table holds the records of this test").anyMatch(text -> text.endsWith(hash));
        assertThat(stored).noneMatch(text -> text.contains(email));
        assertThat(messages).isNotEmpty().noneMatch(message -> message.contains(email));
        String logged = log.toString(StandardCharsets.UTF_8);
        assertThat(logged).as("the log mentions the hashed record ids").contains(hash);
        assertThat(logged).doesNotContain(email);
    }

    @Test
    void keepsTheSameKeyOfTwoMethodsInSeparateRecords() {
        String table = dynamoDb.createTable();
        try (AnnotationConfigApplicationContext context = Contexts.start(properties(table), AppConfig.class)) {
            Accounts accounts = context.getBean(Accounts.class);

            String registered = accounts.register(email, "Alice");
            String subscribed = accounts.subscribe(email, "Alice");

            assertThat(registered).isNotEqualTo(subscribed);
            assertThat(accounts.register(email, "Alice")).isEqualTo(registered);
            assertThat(accounts.subscribe(email, "Alice")).isEqualTo(subscribed);
            assertThat(accounts.runs()).isEqualTo(2);
            String hash = Hashes.sha256(email);
            assertThat(dynamoDb.client().scan(b -> b.tableName(table)).items())
                    .extracting(item -> item.get("id").s())
                    .containsExactlyInAnyOrder(Accounts.class.getName() + ".register#" + hash,
                            Accounts.class.getName() + ".subscribe#" + hash);
        }
    }

    /** A call runs past its lease, another takes its key over, and the late owner is fenced out (and logged). */
    private void overrunTheLease(Accounts accounts, MutableClock clock) throws Exception {
        CountDownLatch finish = new CountDownLatch(1);
        accounts.holdConfirmationsUntil(finish);
        CompletableFuture<String> late = CompletableFuture.supplyAsync(() -> accounts.confirm(email));
        assertThat(accounts.awaitConfirming()).isTrue();
        expectFailure(() -> accounts.confirm(email));
        accounts.holdConfirmationsUntil(new CountDownLatch(0));
        clock.advance(LEASE.plusSeconds(1));
        accounts.confirm(email);
        finish.countDown();
        late.get(60, TimeUnit.SECONDS);
    }

    private void expectFailure(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                messages.add(String.valueOf(t.getMessage()));
                messages.add(t.toString());
            }
            return;
        }
        throw new AssertionError("the call should have failed");
    }

    /** Every attribute of every item, as text: strings and numbers as they are, binaries decoded as UTF-8. */
    private static List<String> storedText(String table) {
        List<String> text = new ArrayList<>();
        dynamoDb.client().scanPaginator(b -> b.tableName(table)).items().forEach(item -> {
            for (Map.Entry<String, AttributeValue> attribute : item.entrySet()) {
                AttributeValue value = attribute.getValue();
                text.add(value.b() != null ? value.b().asUtf8String() : String.valueOf(value.s() != null
                        ? value.s() : value.n()));
            }
        });
        return text;
    }

    private static Map<String, Object> properties(String table) {
        return Map.of(
                "idempotency.store.type", "dynamodb",
                "idempotency.dynamodb.table-name", table);
    }

    @Configuration
    @EnableIdempotency
    static class AppConfig {

        @Bean
        Accounts accounts() {
            return new Accounts();
        }

        @Bean
        DynamoDbClient dynamoDbClient() {
            return dynamoDb.clientBuilder().build();
        }

        @Bean
        MutableClock clock() {
            return MutableClock.startingNow();
        }

        /** A lease the test can overrun by moving the clock; no local cache, so every duplicate reads the store. */
        @Bean
        IdempotencyConfig idempotencyConfig(MutableClock clock) {
            return IdempotencyConfig.builder().clock(clock).lease(LEASE).localCacheEnabled(false).build();
        }
    }

    /** Writes to two streams. */
    private static final class Tee extends OutputStream {

        private final OutputStream first;
        private final OutputStream second;

        Tee(OutputStream first, OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void write(int b) throws IOException {
            first.write(b);
            second.write(b);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            first.write(bytes, offset, length);
            second.write(bytes, offset, length);
        }

        @Override
        public void flush() throws IOException {
            first.flush();
            second.flush();
        }
    }

    /** A value that refers to itself: JSON cannot hold it, so it cannot be replayed. */
    static final class Node {

        private final Node next = this;

        public Node getNext() {
            return next;
        }
    }

    static class Accounts {

        private final AtomicInteger runs = new AtomicInteger();
        private final CountDownLatch confirming = new CountDownLatch(1);
        private volatile CountDownLatch confirmationsFinish = new CountDownLatch(0);

        int runs() {
            return runs.get();
        }

        boolean awaitConfirming() throws InterruptedException {
            return confirming.await(60, TimeUnit.SECONDS);
        }

        void holdConfirmationsUntil(CountDownLatch finish) {
            confirmationsFinish = finish;
        }

        @Idempotent(key = "#email")
        public String register(String email, String name) {
            return "account " + runs.incrementAndGet() + " for " + name;
        }

        @Idempotent(key = "#email")
        public String subscribe(String email, String name) {
            return "subscription " + runs.incrementAndGet() + " for " + name;
        }

        @Idempotent(key = "#email", finalExceptions = Rejected.class)
        public String registerOrFail(String email, boolean finalAnswer) {
            runs.incrementAndGet();
            throw finalAnswer ? new Rejected() : new IllegalStateException("directory unavailable");
        }

        @Idempotent(key = "#email")
        public String export(String email) {
            runs.incrementAndGet();
            return "x".repeat(500_000);
        }

        @Idempotent(key = "#email")
        public Node link(String email) {
            runs.incrementAndGet();
            return new Node();
        }

        @Idempotent(key = "#email.owner")
        public String registerByMissingProperty(String email) {
            return "never";
        }

        @Idempotent(key = "#email")
        public String confirm(String email) {
            CountDownLatch finish = confirmationsFinish;
            confirming.countDown();
            try {
                finish.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "confirmed " + runs.incrementAndGet();
        }

        /** A final answer: kept, and replayed to duplicates. */
        public static class Rejected extends RuntimeException {

            private static final long serialVersionUID = 1L;

            public Rejected() {
                super("the address was rejected");
            }
        }
    }
}

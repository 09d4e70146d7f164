package dev.idempotency.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.MapPropertySource;

import dev.idempotency.Idempotency;
import dev.idempotency.Idempotent;
import dev.idempotency.spring.testing.Contexts;
import dev.idempotency.store.ClaimResult;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.IdempotencyStore;
import dev.idempotency.store.InMemoryIdempotencyStore;

/**
 * A store module contributes its store type the way a user's own module would: an {@link IdempotencyStoreProvider}
 * listed in {@code META-INF/spring.factories} (this module's test resources list {@link NotebookStoreProvider}).
 */
class IdempotencyStoreProviderTest {

    @Test
    void usesTheStoreOfTheProviderThatTheStoreTypeNames() {
        Map<String, Object> properties = Map.of("idempotency.store.type", "notebook",
                "idempotency.notebook.name", "orders", "idempotency.notebook.max-result-bytes", "512");
        try (AnnotationConfigApplicationContext context = Contexts.start(properties, AppConfig.class)) {
            Receipts receipts = context.getBean(Receipts.class);

            receipts.issue("r-1");
            receipts.issue("r-1");

            IdempotencyStore store = context.getBean(Idempotency.class).store();
            assertThat(store).isInstanceOfSatisfying(NotebookStore.class, notebook -> {
                assertThat(notebook.name).isEqualTo("orders");
                assertThat(notebook.maxResultBytes()).isEqualTo(512);
                assertThat(notebook.claims).hasValue(1);
            });
            assertThat(receipts.runs()).isEqualTo(1);
        }
    }

    @Test
    void readsTheStoreTypeInAnyCaseAndGivesTheProviderTheApplicationsBeans() {
        Map<String, Object> properties = Map.of("idempotency.store.type", " NoteBook ",
                "idempotency.notebook.name", "orders");
        try (AnnotationConfigApplicationContext context =
                Contexts.start(properties, AppConfig.class, OwnNotebookName.class)) {
            assertThat(context.getBean(Idempotency.class).store()).isInstanceOfSatisfying(NotebookStore.class,
                    notebook -> assertThat(notebook.name).isEqualTo("orders by bean"));
        }
    }

    @Test
    void closesWhatTheProviderOpenedWithTheContext() {
        Map<String, Object> properties = Map.of("idempotency.store.type", "notebook",
                "idempotency.notebook.name", "orders");
        NotebookStore store;
        try (AnnotationConfigApplicationContext context = Contexts.start(properties, AppConfig.class)) {
            store = (NotebookStore) context.getBean(Idempotency.class).store();
            assertThat(store.closed).isFalse();
        }
        assertThat(store.closed).isTrue();
    }

    @Test
    void failsStartupNamingTheMissingPropertyOfTheStore() {
        assertThatThrownBy(() -> Contexts.start(Map.of("idempotency.store.type", "notebook"), AppConfig.class))
                .hasRootCauseMessage("Missing property idempotency.notebook.name: it is required with"
                        + " idempotency.store.type=notebook");
    }

    @Test
    void failsStartupNamingTheStoresPropertyAndItsValue() {
        Map<String, Object> properties = Map.of("idempotency.store.type", "notebook",
                "idempotency.notebook.name", "orders", "idempotency.notebook.max-result-bytes", "-1");
        assertThatThrownBy(() -> Contexts.start(properties, AppConfig.class))
                .hasRootCauseMessage("Invalid value '-1' for property idempotency.notebook.max-result-bytes:"
                        + " expected a positive whole number");
    }

    @Test
    void neverRepeatsThePasswordOfAUriItCannotUse() {
        Map<String, Object> properties = Map.of("idempotency.store.type", "notebook",
                "idempotency.notebook.name", "orders", "idempotency.notebook.uri", "notebook://admin:s3cret@host:1/ x");
        assertThatThrownBy(() -> Contexts.start(properties, AppConfig.class))
                .hasRootCauseMessage("Invalid value 'notebook://****@host:1/ x' for property idempotency.notebook.uri:"
                        + " expected a URI such as notebook://host:1234")
                .satisfies(e -> assertThat(stackTraceOf(e)).doesNotContain("s3cret"));
    }

    @Test
    void givesTheProviderTheOrderOfTheIdempotencyAdvice() {
        Map<String, Object> properties = Map.of("idempotency.store.type", "notebook",
                "idempotency.notebook.name", "orders");
        try (AnnotationConfigApplicationContext context = Contexts.start(properties, AppConfig.class)) {
            assertThat(((NotebookStore) context.getBean(Idempotency.class).store()).adviceOrder)
                    .isEqualTo(EnableIdempotency.DEFAULT_ORDER);
        }
    }

    private static String stackTraceOf(Throwable failure) {
        StringWriter trace = new StringWriter();
        failure.printStackTrace(new PrintWriter(trace));
        return trace.toString();
    }

    @Test
    void failsStartupForATypeThatNoModuleOnTheClassPathProvides() {
        assertThatThrownBy(() -> Contexts.start(Map.of("idempotency.store.type", "redis"), AppConfig.class))
                .hasRootCauseMessage("Invalid value 'redis' for property idempotency.store.type: expected memory or"
                        + " one of [notebook]. Other types come from their store modules: add the module's"
                        + " dependency (dev.idempotency:idempotency-redis), or define an IdempotencyStore bean");
    }

    @Test
    void failsStartupWhenTwoModulesClaimOneStoreType(@TempDir Path classes) throws IOException {
        Path factories = classes.resolve("META-INF/spring.factories");
        Files.createDirectories(factories.getParent());
        Files.writeString(factories, IdempotencyStoreProvider.class.getName() + "="
                + SecondNotebookStoreProvider.class.getName() + "\n");
        try (URLClassLoader withSecondModule = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                getClass().getClassLoader())) {
            AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
            context.setClassLoader(withSecondModule);
            context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("test",
                    Map.of("idempotency.store.type", "notebook", "idempotency.notebook.name", "orders")));
            context.register(AppConfig.class);

            assertThatThrownBy(context::refresh).hasRootCauseMessage("Two idempotency store providers claim"
                    + " idempotency.store.type=notebook: " + NotebookStoreProvider.class.getName() + " and "
                    + SecondNotebookStoreProvider.class.getName() + ". Remove one of their modules.");
            context.close();
        }
    }

    /** A user's own store module: a store over the in-memory one, named by a property, closed at shutdown. */
    public static final class NotebookStoreProvider implements IdempotencyStoreProvider {

        @Override
        public String type() {
            return "notebook";
        }

        @Override
        public IdempotencyStore create(IdempotencyStoreProviderContext context) {
            String name = context.beans(NotebookName.class).getIfAvailable(
                    () -> new NotebookName(context.requiredText("idempotency.notebook.name"))).value();
            context.uri("idempotency.notebook.uri", "notebook://host:1234");
            NotebookStore store = new NotebookStore(name,
                    context.positiveInt("idempotency.notebook.max-result-bytes", Integer.MAX_VALUE));
            store.adviceOrder = context.adviceOrder();
            context.closeOnShutdown(store);
            return store;
        }
    }

    /** A second module that claims the same type. */
    public static final class SecondNotebookStoreProvider implements IdempotencyStoreProvider {

        @Override
        public String type() {
            return "NOTEBOOK";
        }

        @Override
        public IdempotencyStore create(IdempotencyStoreProviderContext context) {
            throw new AssertionError("never asked: the type is ambiguous");
        }
    }

    record NotebookName(String value) {
    }

    static final class NotebookStore implements IdempotencyStore, AutoCloseable {

        private final IdempotencyStore records = InMemoryIdempotencyStore.create();
        private final String name;
        private final int maxResultBytes;
        private final AtomicInteger claims = new AtomicInteger();
        private volatile boolean closed;
        private volatile int adviceOrder;

        NotebookStore(String name, int maxResultBytes) {
            this.name = name;
            this.maxResultBytes = maxResultBytes;
        }

        @Override
        public ClaimResult claim(IdempotencyRecord record, Instant now) {
            claims.incrementAndGet();
            return records.claim(record, now);
        }

        @Override
        public boolean complete(IdempotencyRecord finished) {
            return records.complete(finished);
        }

        @Override
        public boolean release(String id, String claimToken) {
            return records.release(id, claimToken);
        }

        @Override
        public Optional<IdempotencyRecord> find(String id) {
            return records.find(id);
        }

        @Override
        public int maxResultBytes() {
            return maxResultBytes;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Configuration
    @EnableIdempotency
    static class AppConfig {

        @Bean
        Receipts receipts() {
            return new Receipts();
        }
    }

    @Configuration
    static class OwnNotebookName {

        @Bean
        NotebookName notebookName() {
            return new NotebookName("orders by bean");
        }
    }

    static class Receipts {

        private final AtomicInteger runs = new AtomicInteger();

        int runs() {
            return runs.get();
        }

        @Idempotent
        public Receipt issue(String orderId) {
            return new Receipt(orderId, 0, runs.incrementAndGet());
        }
    }
}

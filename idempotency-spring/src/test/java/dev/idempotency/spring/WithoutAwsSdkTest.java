package dev.idempotency.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.Idempotent;

/**
 * The DynamoDB module and the AWS SDK are optional: an application on the memory store runs without them, and asking
 * for the DynamoDB store without them fails startup with a message that says what to add. Each test runs an
 * application in a class loader whose class path is this test's, less those jars.
 */
class WithoutAwsSdkTest {

    @Test
    void runsAMemoryOnlyApplicationWithoutTheDynamoDbModuleOrTheAwsSdk() throws Exception {
        try (URLClassLoader withoutAws = classLoaderWithoutAws()) {
            assertThatThrownBy(() -> withoutAws.loadClass("software.amazon.awssdk.services.dynamodb.DynamoDbClient"))
                    .isInstanceOf(ClassNotFoundException.class);

            Object runs = runInside(withoutAws, "callTwice");

            assertThat(runs).isEqualTo(1);
        }
    }

    @Test
    void failsStartupForTheDynamoDbStoreTypeSayingWhichDependencyToAdd() throws Exception {
        try (URLClassLoader withoutAws = classLoaderWithoutAws()) {
            Object failure = runInside(withoutAws, "startupFailureOfDynamoDb");

            assertThat(failure).isEqualTo("idempotency.store.type=dynamodb needs the DynamoDB store on the classpath:"
                    + " add the dependency dev.idempotency:idempotency-dynamodb (it brings the AWS SDK's dynamodb),"
                    + " define an IdempotencyStore bean, or set idempotency.store.type=memory");
        }
    }

    /** Runs a method of {@link App} as its own application would: with its class loader as the context's. */
    private static Object runInside(ClassLoader classLoader, String method) throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(classLoader);
        try {
            return classLoader.loadClass(App.class.getName()).getMethod(method).invoke(null);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    private static URLClassLoader classLoaderWithoutAws() {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        URL[] urls = Arrays.stream(classPath.split(File.pathSeparator))
                .filter(entry -> !entry.contains("idempotency-dynamodb")
                        && !entry.contains("software" + File.separator + "amazon"))
                .map(WithoutAwsSdkTest::url)
                .toArray(URL[]::new);
        return new URLClassLoader(urls, ClassLoader.getPlatformClassLoader());
    }

    private static URL url(String entry) {
        try {
            return Path.of(entry).toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException(entry, e);
        }
    }

    /** The application, loaded and run inside the class loader without AWS; it answers in JDK types only. */
    public static final class App {

        private App() {
        }

        public static int callTwice() {
            try (AnnotationConfigApplicationContext context = Contexts.start(AppConfig.class)) {
                Tickets tickets = context.getBean(Tickets.class);
                tickets.book("t-1");
                tickets.book("t-1");
                return tickets.runs();
            }
        }

        public static String startupFailureOfDynamoDb() {
            Map<String, Object> properties =
                    Map.of("idempotency.store.type", "dynamodb", "idempotency.dynamodb.table-name", "idempotency");
            try {
                Contexts.start(properties, AppConfig.class).close();
                return "started";
            } catch (RuntimeException e) {
                Throwable cause = e;
                while (cause.getCause() != null) {
                    cause = cause.getCause();
                }
                return cause.getMessage();
            }
        }
    }

    @Configuration
    @EnableIdempotency
    static class AppConfig {

        @Bean
        Tickets tickets() {
            return new Tickets();
        }
    }

    static class Tickets {

        private final AtomicInteger runs = new AtomicInteger();

        int runs() {
            return runs.get();
        }

        @Idempotent
        public Receipt book(String ticketId) {
            return new Receipt(ticketId, 1, runs.incrementAndGet());
        }
    }
}

package dev.idempotency.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.testing.TestCompiler;

/**
 * A plain Maven project (no Spring Boot parent) compiles without {@code -parameters}: a key expression that names a
 * parameter would be null at every call, and {@code 'order-' + #orderId} would give every order the one key
 * {@code order-null}. The bean classes here are compiled while the test runs, with the options a user's build has.
 */
class KeyExpressionParameterNamesTest {

    private static final String PAYMENTS = """
            package app;

            import java.util.concurrent.atomic.AtomicInteger;

            import dev.idempotency.Idempotent;

            public class Payments {
                private final AtomicInteger runs = new AtomicInteger();

                public int runs() {
                    return runs.get();
                }

                @Idempotent(key = "'order-' + %s")
                public String pay(String orderId, int amount) {
                    return orderId + " paid " + amount + " (run " + runs.incrementAndGet() + ")";
                }
            }
            """;

    @Configuration
    @EnableIdempotency
    static class AppConfig {
    }

    @Test
    void failsStartupWhenAnExpressionNamesAParameterOfAClassCompiledWithoutParameterNames(@TempDir Path directory)
            throws Exception {
        try (URLClassLoader app = compile(directory, "#orderId")) {
            assertThatThrownBy(() -> start(app))
                    .isInstanceOf(BeanInitializationException.class)
                    .hasMessage("Bean 'payments' has an invalid @Idempotent method: @Idempotent on Payments.pay(String,"
                            + " int): the key expression ''order-' + #orderId' names #orderId, but the class was"
                            + " compiled without parameter names, so #orderId would be null at every call. Compile"
                            + " with -parameters (Spring Boot's build plugins do; with maven-compiler-plugin, set"
                            + " <parameters>true</parameters>), or name a parameter by its position, #p0 to #p1.");
        }
    }

    @Test
    void keysByPositionInAClassCompiledWithoutParameterNames(@TempDir Path directory) throws Exception {
        try (URLClassLoader app = compile(directory, "#p0");
                AnnotationConfigApplicationContext context = start(app)) {
            Object payments = context.getBean("payments");
            Method pay = payments.getClass().getMethod("pay", String.class, int.class);

            Object first = pay.invoke(payments, "o-1", 10);
            Object second = pay.invoke(payments, "o-2", 10);
            Object duplicate = pay.invoke(payments, "o-1", 10);

            assertThat(first).isEqualTo("o-1 paid 10 (run 1)");
            assertThat(second).isEqualTo("o-2 paid 10 (run 2)");
            assertThat(duplicate).isEqualTo(first);
        }
    }

    @Test
    void keysByNameInAClassCompiledWithParameterNames(@TempDir Path directory) throws Exception {
        try (URLClassLoader app = compile(directory, "#orderId", "-parameters");
                AnnotationConfigApplicationContext context = start(app)) {
            Object payments = context.getBean("payments");
            Method pay = payments.getClass().getMethod("pay", String.class, int.class);

            assertThat(pay.invoke(payments, "o-1", 10)).isEqualTo("o-1 paid 10 (run 1)");
            assertThat(pay.invoke(payments, "o-2", 10)).isEqualTo("o-2 paid 10 (run 2)");
        }
    }

    @Test
    void failsStartupForAVariableThatIsNoParameter(@TempDir Path directory) throws Exception {
        try (URLClassLoader app = compile(directory, "#orderID", "-parameters")) {
            assertThatThrownBy(() -> start(app))
                    .hasMessageEndingWith("the key expression ''order-' + #orderID' names #orderID, which is not a"
                            + " parameter of the method, so it would be null at every call. Use one of [#orderId,"
                            + " #amount], or name a parameter by its position, #p0 to #p1.");
        }
    }

    @Test
    void failsStartupForAPositionBeyondTheParameters(@TempDir Path directory) throws Exception {
        try (URLClassLoader app = compile(directory, "#p2")) {
            assertThatThrownBy(() -> start(app)).hasMessageContaining("names #p2, but the class was compiled"
                    + " without parameter names");
        }
    }

    @Test
    void failsStartupForTheRootObjectWhichHoldsNothingHere(@TempDir Path directory) throws Exception {
        try (URLClassLoader app = compile(directory, "#root", "-parameters")) {
            assertThatThrownBy(() -> start(app)).hasMessageContaining("names #root, which is not a parameter");
        }
    }

    private static URLClassLoader compile(Path directory, String expression, String... options) {
        return TestCompiler.compile(directory, Map.of("app.Payments", PAYMENTS.formatted(expression)), options);
    }

    /** The application, with the compiled class as its bean, loaded as its own class loader loads it. */
    private static AnnotationConfigApplicationContext start(ClassLoader app) throws ClassNotFoundException {
        AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
        context.setClassLoader(app);
        context.register(AppConfig.class);
        context.registerBean("payments", app.loadClass("app.Payments"));
        try {
            context.refresh();
        } catch (RuntimeException e) {
            context.close();
            throw e;
        }
        return context;
    }
}

package dev.idempotency.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.Idempotent;
import dev.idempotency.spring.testing.Contexts;

/**
 * The startup INFO line says how many {@code @Idempotent} methods protect the application. A handler of a generic
 * interface has one such method, but javac adds a bridge method that carries the same annotation, and an override
 * that repeats the annotation of the method it overrides is one operation, not two: neither counts as a method of
 * its own.
 */
class StartupLogCountTest {

    interface CommandHandler<C> {
        String handle(C command);
    }

    record Refund(String id) {
    }

    static class RefundHandler implements CommandHandler<Refund> {
        @Override
        @Idempotent(name = "refunds.handle")
        public String handle(Refund command) {
            return "refunded " + command.id();
        }
    }

    static class Base {
        @Idempotent(name = "base.book")
        public String book(String id) {
            return "booked " + id;
        }
    }

    static class Special extends Base {
        @Override
        @Idempotent(name = "special.book")
        public String book(String id) {
            return "specially booked " + id;
        }
    }

    @Configuration
    @EnableIdempotency
    static class Generic {
        @Bean
        RefundHandler refundHandler() {
            return new RefundHandler();
        }
    }

    @Configuration
    @EnableIdempotency
    static class Overriding {
        @Bean
        Special special() {
            return new Special();
        }
    }

    @Test
    void countsTheMethodOfAGenericHandlerOnceNotItsBridgeToo() {
        assertThat(startupLine(Generic.class)).contains("Idempotency: 1 @Idempotent method on");
    }

    @Test
    void countsAnAnnotatedOverrideOnce() {
        assertThat(startupLine(Overriding.class)).contains("Idempotency: 1 @Idempotent method on");
    }

    private static String startupLine(Class<?> configuration) {
        PrintStream standardError = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try (AnnotationConfigApplicationContext context = Contexts.start(configuration)) {
            assertThat(context).isNotNull();
        } finally {
            System.setErr(standardError);
        }
        List<String> lines = Arrays.stream(captured.toString(StandardCharsets.UTF_8).split("\\R"))
                .filter(line -> line.contains("IdempotentMethods - Idempotency:")).toList();
        assertThat(lines).hasSize(1);
        return lines.get(0);
    }
}

package dev.idempotency.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.Idempotent;
import dev.idempotency.spring.testing.Contexts;

/** An operator sees one INFO line at startup saying what protects the application, and none per call. */
class StartupLogTest {

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

        @Idempotent
        public String book(String ticketId) {
            return ticketId + " booked " + runs.incrementAndGet();
        }

        @Idempotent(name = "tickets.cancel", ttl = "1h")
        public String cancel(String ticketId) {
            return ticketId + " cancelled";
        }
    }

    @Test
    void logsOneLineAtStartupAndNothingAtInfoPerCall() {
        String startup;
        String calls;
        PrintStream standardError = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try (AnnotationConfigApplicationContext context =
                Contexts.start(Map.of("idempotency.ttl", "12h"), AppConfig.class)) {
            startup = captured.toString(StandardCharsets.UTF_8);
            captured.reset();
            Tickets tickets = context.getBean(Tickets.class);
            tickets.book("secret-ticket-42");
            tickets.book("secret-ticket-42");
            tickets.cancel("secret-ticket-42");
            calls = captured.toString(StandardCharsets.UTF_8);
        } finally {
            System.setErr(standardError);
        }

        List<String> lines = Arrays.stream(startup.split("\\R")).filter(l -> l.contains("dev.idempotency")).toList();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).contains("INFO dev.idempotency.spring.IdempotentMethods - Idempotency: 2"
                + " @Idempotent methods on InMemoryIdempotencyStore[records=0, maxResultBytes=2147483647], with"
                + " IdempotencyConfig[ttl=PT12H, lease=PT1M, inProgressPolicy=REJECT");
        assertThat(calls).doesNotContain("INFO").doesNotContain("secret-ticket-42");
    }
}

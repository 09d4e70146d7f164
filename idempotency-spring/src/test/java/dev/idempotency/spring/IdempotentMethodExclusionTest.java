package dev.idempotency.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.Idempotent;
import dev.idempotency.spring.testing.Contexts;

/**
 * An {@link IdempotentMethodExclusion} bean leaves methods to another integration: the aspect neither checks them at
 * startup nor intercepts their calls, and keeps protecting the others.
 */
class IdempotentMethodExclusionTest {

    @Test
    void callsAnExcludedMethodUnprotectedAndKeepsProtectingTheOthers() {
        try (AnnotationConfigApplicationContext context = Contexts.start(AppConfig.class, ExcludeHandlers.class)) {
            Endpoints endpoints = context.getBean(Endpoints.class);

            endpoints.handle("k-1");
            endpoints.handle("k-1");
            endpoints.service("k-1");
            endpoints.service("k-1");

            assertThat(endpoints.handlerRuns()).isEqualTo(2);
            assertThat(endpoints.serviceRuns()).isEqualTo(1);
        }
    }

    @Test
    void doesNotCheckAnExcludedMethodAtStartup() {
        // Without the exclusion, the unknown key strategy fails the startup.
        try (AnnotationConfigApplicationContext context = Contexts.start(InvalidConfig.class, ExcludeHandlers.class)) {
            assertThat(context.getBean(InvalidHandler.class).handle("k-1")).isEqualTo("k-1");
        }
    }

    @Configuration
    @EnableIdempotency
    static class AppConfig {

        @Bean
        Endpoints endpoints() {
            return new Endpoints();
        }
    }

    @Configuration
    static class ExcludeHandlers {

        @Bean
        IdempotentMethodExclusion handlers() {
            return (method, targetClass) -> method.getName().startsWith("handle");
        }
    }

    @Configuration
    @EnableIdempotency
    static class InvalidConfig {

        @Bean
        InvalidHandler invalidHandler() {
            return new InvalidHandler();
        }
    }

    static class Endpoints {

        private final AtomicInteger handlerRuns = new AtomicInteger();
        private final AtomicInteger serviceRuns = new AtomicInteger();

        // Read through methods: the bean is a class proxy, whose own fields are not set.
        public int handlerRuns() {
            return handlerRuns.get();
        }

        public int serviceRuns() {
            return serviceRuns.get();
        }

        @Idempotent
        public String handle(String key) {
            handlerRuns.incrementAndGet();
            return key;
        }

        @Idempotent
        public String service(String key) {
            serviceRuns.incrementAndGet();
            return key;
        }
    }

    static class InvalidHandler {

        @Idempotent(keyStrategy = "noSuchBean")
        public String handle(String key) {
            return key;
        }
    }
}

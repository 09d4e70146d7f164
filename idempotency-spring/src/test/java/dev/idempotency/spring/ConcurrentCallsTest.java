package dev.idempotency.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.IdempotencyInProgressException;
import dev.idempotency.Idempotent;
import dev.idempotency.testing.Race;
import dev.idempotency.spring.testing.Contexts;

/** Many real threads call one annotated method with one key at once. */
class ConcurrentCallsTest {

    private static final int THREADS = 32;

    @Test
    void runsTheMethodOnceAndGivesEveryOtherCallerTheResultOrAnInProgressRejection() throws Exception {
        try (AnnotationConfigApplicationContext context = Contexts.start(AppConfig.class)) {
            Transfers transfers = context.getBean(Transfers.class);

            List<Race.Outcome<Receipt>> outcomes =
                    Race.run(THREADS, 30, thread -> () -> transfers.transfer(new Order("t-1", 100)));

            assertThat(transfers.runs()).isEqualTo(1);
            assertThat(outcomes).allSatisfy(outcome -> {
                if (outcome.succeeded()) {
                    assertThat(outcome.value()).isEqualTo(new Receipt("t-1", 100, 1));
                } else {
                    assertThat(outcome.failure()).isInstanceOf(IdempotencyInProgressException.class);
                }
            });
            assertThat(outcomes).filteredOn(Race.Outcome::succeeded).isNotEmpty();
        }
    }

    @Test
    void givesEveryCallerTheResultWhenDuplicatesWait() throws Exception {
        try (AnnotationConfigApplicationContext context =
                Contexts.start(Map.of("idempotency.in-progress", "wait"), AppConfig.class)) {
            Transfers transfers = context.getBean(Transfers.class);

            List<Race.Outcome<Receipt>> outcomes =
                    Race.run(THREADS, 30, thread -> () -> transfers.transfer(new Order("t-1", 100)));

            assertThat(transfers.runs()).isEqualTo(1);
            assertThat(outcomes).extracting(Race.Outcome::value).containsOnly(new Receipt("t-1", 100, 1));
        }
    }

    @Configuration
    @EnableIdempotency
    static class AppConfig {

        @Bean
        Transfers transfers() {
            return new Transfers();
        }
    }

    /** A method that takes a while, so that the racing calls find it running. */
    static class Transfers {

        private final AtomicInteger runs = new AtomicInteger();

        int runs() {
            return runs.get();
        }

        @Idempotent(key = "#order.id")
        public Receipt transfer(Order order) throws InterruptedException {
            int run = runs.incrementAndGet();
            TimeUnit.MILLISECONDS.sleep(200);
            return new Receipt(order.id(), order.amount(), run);
        }
    }
}

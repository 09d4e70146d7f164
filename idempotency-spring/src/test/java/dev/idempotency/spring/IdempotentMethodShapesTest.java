package dev.idempotency.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotencyKey;
import dev.idempotency.Idempotent;
import dev.idempotency.spring.testing.Contexts;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.InMemoryIdempotencyStore;
import dev.idempotency.store.RecordStatus;
import dev.idempotency.testing.Hashes;

import reactor.core.publisher.Mono;

/**
 * Beans as users' class hierarchies make them: an annotated method inherited by two beans, overloads, a generic
 * handler, return types the engine cannot protect, a short ttl alone. Each bean's calls have their own records.
 */
class IdempotentMethodShapesTest {

    /** Local cache off: every duplicate is read back from the store, as in another instance of the service. */
    @Configuration
    @EnableIdempotency
    static class AppConfig {

        @Bean
        InMemoryIdempotencyStore store() {
            return InMemoryIdempotencyStore.create();
        }

        @Bean
        IdempotencyConfig idempotencyConfig() {
            return IdempotencyConfig.builder().localCacheEnabled(false).build();
        }
    }

    public abstract static class Sender {
        private final AtomicInteger runs = new AtomicInteger();

        @Idempotent
        public Receipt send(@IdempotencyKey String id, int amount) {
            return new Receipt(channel() + ":" + id, amount, runs.incrementAndGet());
        }

        abstract String channel();

        public int runs() {
            return runs.get();
        }
    }

    public static class EmailSender extends Sender {
        @Override
        String channel() {
            return "email";
        }
    }

    public static class SmsSender extends Sender {
        @Override
        String channel() {
            return "sms";
        }
    }

    @Configuration
    static class Senders {
        @Bean
        EmailSender emailSender() {
            return new EmailSender();
        }

        @Bean
        SmsSender smsSender() {
            return new SmsSender();
        }
    }

    @Test
    void keepsTheRecordsOfTwoBeansThatInheritOneAnnotatedMethodApart() {
        try (AnnotationConfigApplicationContext context = Contexts.start(AppConfig.class, Senders.class)) {
            EmailSender email = context.getBean(EmailSender.class);
            SmsSender sms = context.getBean(SmsSender.class);

            Receipt byEmail = email.send("n-1", 5);
            Receipt bySms = sms.send("n-1", 5);

            assertThat(byEmail).isEqualTo(new Receipt("email:n-1", 5, 1));
            assertThat(bySms).isEqualTo(new Receipt("sms:n-1", 5, 1));
            assertThat(email.send("n-1", 5)).isEqualTo(byEmail);
            assertThat(sms.send("n-1", 5)).isEqualTo(bySms);
            InMemoryIdempotencyStore store = context.getBean(InMemoryIdempotencyStore.class);
            assertThat(store.find(EmailSender.class.getName() + ".send#" + Hashes.sha256("n-1"))).isPresent();
            assertThat(store.find(SmsSender.class.getName() + ".send#" + Hashes.sha256("n-1"))).isPresent();
        }
    }

    public abstract static class Handler<T> {
        private final AtomicInteger runs = new AtomicInteger();

        @Idempotent
        public T handle(String key) {
            runs.incrementAndGet();
            return made(key);
        }

        @Idempotent(name = "handlers.all")
        public List<T> handleAll(String key) {
            runs.incrementAndGet();
            return List.of(made(key));
        }

        abstract T made(String key);

        public int runs() {
            return runs.get();
        }
    }

    public static class ReceiptHandler extends Handler<Receipt> {
        @Override
        Receipt made(String key) {
            return new Receipt(key, 1, 1);
        }
    }

    @Configuration
    static class Handlers {
        @Bean
        ReceiptHandler receiptHandler() {
            return new ReceiptHandler();
        }
    }

    @Test
    void replaysTheTypeAGenericHandlerIsBoundTo() {
        try (AnnotationConfigApplicationContext context = Contexts.start(AppConfig.class, Handlers.class)) {
            ReceiptHandler handler = context.getBean(ReceiptHandler.class);

            handler.handle("h-1");
            Receipt replayed = handler.handle("h-1");
            handler.handleAll("h-2");
            List<Receipt> all = handler.handleAll("h-2");

            assertThat(replayed).isEqualTo(new Receipt("h-1", 1, 1));
            assertThat(all).containsExactly(new Receipt("h-2", 1, 1));
            assertThat(handler.runs()).isEqualTo(2);
        }
    }

    public static class Notifier {
        @Idempotent
        public String send(@IdempotencyKey String id, Order order) {
            return "order";
        }

        @Idempotent
        public String send(@IdempotencyKey String id, Receipt receipt) {
            return "receipt";
        }
    }

    @SuppressWarnings("rawtypes")
    public static class RawHandler extends Handler {
        @Override
        Object made(String key) {
            return key;
        }
    }

    public static class Reactive {
        @Idempotent
        public Mono<Receipt> pay(String key) {
            return Mono.just(new Receipt(key, 1, 1));
        }
    }

    public static class Blocking {
        @Idempotent
        public Future<Receipt> pay(String key) {
            return CompletableFuture.completedFuture(new Receipt(key, 1, 1));
        }
    }

    public static class Streaming {
        @Idempotent
        public Stream<Receipt> pay(String key) {
            return Stream.of(new Receipt(key, 1, 1));
        }
    }

    static Stream<Arguments> refusedBeans() {
        return Stream.of(
                arguments(Notifier.class, "@Idempotent on Notifier.send(String, Order) and on Notifier.send(String,"
                        + " Receipt) share the default namespace " + Notifier.class.getName() + ".send"),
                arguments(RawHandler.class, "@Idempotent on RawHandler.handle(String): the return type T cannot be"
                        + " resolved for " + RawHandler.class.getName()),
                arguments(Reactive.class, "@Idempotent on Reactive.pay(String): it returns Mono, a lazy type"),
                arguments(Blocking.class, "@Idempotent on Blocking.pay(String): it returns Future, a Future that is"
                        + " not a CompletionStage"),
                arguments(Streaming.class, "@Idempotent on Streaming.pay(String): it returns Stream, a lazy type"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedBeans")
    void failsStartupForAMethodTheEngineCannotProtect(Class<?> bean, String message) {
        assertThatThrownBy(() -> Contexts.start(AppConfig.class, bean))
                .isInstanceOf(BeanInitializationException.class)
                .hasMessageStartingWith("Bean '" + beanName(bean) + "' has an invalid @Idempotent method: " + message);
    }

    private static String beanName(Class<?> bean) {
        return "idempotentMethodShapesTest." + bean.getSimpleName();
    }

    public static class LabelRejectedException extends Exception {
        private static final long serialVersionUID = 1L;

        public LabelRejectedException(String message) {
            super(message);
        }
    }

    public static class Labels {
        private final AtomicInteger runs = new AtomicInteger();

        /** Checks the address before any future exists, as a client library might. */
        @Idempotent(finalExceptions = LabelRejectedException.class)
        public CompletableFuture<Receipt> print(String address) throws LabelRejectedException {
            runs.incrementAndGet();
            if (address.equals("nowhere")) {
                throw new LabelRejectedException("no address");
            }
            return CompletableFuture.completedFuture(new Receipt(address, 1, runs.get()));
        }

        public int runs() {
            return runs.get();
        }
    }

    @Test
    void keepsAFinalCheckedExceptionThatAnAsynchronousMethodThrowsBeforeItsFuture() throws Exception {
        try (AnnotationConfigApplicationContext context = Contexts.start(AppConfig.class, Labels.class)) {
            Labels labels = context.getBean(Labels.class);

            assertThatThrownBy(() -> labels.print("nowhere")).isInstanceOf(LabelRejectedException.class);
            CompletableFuture<Receipt> duplicate = labels.print("nowhere");

            assertThat(duplicate).failsWithin(1, TimeUnit.SECONDS).withThrowableThat()
                    .havingCause().isExactlyInstanceOf(LabelRejectedException.class).withMessage("no address");
            assertThat(labels.runs()).isEqualTo(1);
            IdempotencyRecord record = context.getBean(InMemoryIdempotencyStore.class)
                    .find(Labels.class.getName() + ".print#" + Hashes.sha256("nowhere")).orElseThrow();
            assertThat(record.status()).isEqualTo(RecordStatus.FAILED);
        }
    }

    public static class ShortLived {
        @Idempotent(ttl = "2s")
        public String confirm(String key) {
            return key;
        }
    }

    /** The settings from the properties alone. */
    @Configuration
    @EnableIdempotency
    static class FromProperties {
    }

    @Test
    void startsWithAShortTtlSetAlone() throws Exception {
        try (AnnotationConfigApplicationContext context =
                Contexts.start(Map.of("idempotency.ttl", "1s"), FromProperties.class, ShortLived.class)) {
            Idempotency idempotency = context.getBean(Idempotency.class);

            assertThat(context.getBean(ShortLived.class).confirm("c-1")).isEqualTo("c-1");
            assertThat(idempotency.config().lease()).isEqualTo(Duration.ofSeconds(1));
            assertThat(idempotency.operation(ShortLived.class.getMethod("confirm", String.class), ShortLived.class)
                    .lease()).isEqualTo(Duration.ofSeconds(1));
        }
    }
}

package dev.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/**
 * Annotated methods as users' class hierarchies hold them: inherited by several subclasses, overloaded, generic in a
 * base class. Each operation belongs to the class it is called on.
 */
class InheritedAndOverloadedMethodsTest {

    record Receipt(String id, String channel) {
    }

    /** One annotated method, inherited by two senders. */
    abstract static class Sender {
        @Idempotent
        public Receipt send(@IdempotencyKey String id, String text) {
            return new Receipt(id, channel());
        }

        abstract String channel();
    }

    static class EmailSender extends Sender {
        @Override
        String channel() {
            return "email";
        }
    }

    static class SmsSender extends Sender {
        @Override
        String channel() {
            return "sms";
        }
    }

    record Email(String to) {
    }

    record Sms(String to) {
    }

    static class Notifier {
        @Idempotent
        public String send(@IdempotencyKey String id, Email email) {
            return "email";
        }

        @Idempotent
        public String send(@IdempotencyKey String id, Sms sms) {
            return "sms";
        }
    }

    static class NamedOverloads {
        @Idempotent(name = "notify.email")
        public String send(@IdempotencyKey String id, Email email) {
            return "email";
        }

        @Idempotent(name = "notify.sms")
        public String send(@IdempotencyKey String id, Sms sms) {
            return "sms";
        }
    }

    static class BaseNotifier {
        @Idempotent
        public String notify(@IdempotencyKey String id, Email email) {
            return "email";
        }
    }

    /** Adds an overload in a subclass: calls on it could reach either. */
    static class ExtendedNotifier extends BaseNotifier {
        @Idempotent
        public String notify(@IdempotencyKey String id, Sms sms) {
            return "sms";
        }
    }

    /** Overrides the annotated method and keeps the annotation: one method, not an overload. */
    static class OverridingNotifier extends BaseNotifier {
        @Idempotent
        @Override
        public String notify(@IdempotencyKey String id, Email email) {
            return "email, overridden";
        }
    }

    abstract static class Handler<T> {
        @Idempotent
        public T handle(String key) {
            return made();
        }

        abstract T made();

        @Idempotent(name = "handlers.all")
        public List<T> handleAll(String key) {
            return List.of(made());
        }

        @Idempotent(name = "handlers.async")
        public CompletableFuture<T> handleAsync(String key) {
            return CompletableFuture.completedFuture(made());
        }
    }

    static class ReceiptHandler extends Handler<Receipt> {
        @Override
        Receipt made() {
            return new Receipt("r-1", "handler");
        }
    }

    /** Binds the type argument one class further down. */
    abstract static class MiddleHandler<X> extends Handler<X> {
    }

    static class DeepReceiptHandler extends MiddleHandler<Receipt> {
        @Override
        Receipt made() {
            return new Receipt("r-2", "deep");
        }
    }

    @SuppressWarnings("rawtypes")
    static class RawHandler extends Handler {
        @Override
        Object made() {
            return new Receipt("r-3", "raw");
        }
    }

    /** A generic override reached through a bridge method: one method, not an overload. */
    abstract static class Consumer<T> {
        @Idempotent
        public String accept(@IdempotencyKey String id, T value) {
            return "base";
        }
    }

    static class EmailConsumer extends Consumer<Email> {
        @Idempotent
        @Override
        public String accept(@IdempotencyKey String id, Email value) {
            return "email";
        }
    }

    static class Fetcher {
        @Idempotent
        public <R> R fetch(String key) {
            return null;
        }
    }

    private final Idempotency idempotency = Idempotency.builder()
            .config(IdempotencyConfig.builder().localCacheEnabled(false).build()).build();
    private final AtomicInteger runs = new AtomicInteger();

    private static Method method(Class<?> type, String name, Class<?>... parameters) {
        try {
            return type.getMethod(name, parameters);
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
    }

    // --- 2. subclasses inheriting one annotated method ---

    @Test
    void namesTheNamespaceAfterTheClassTheInheritedMethodIsCalledOn() {
        Method send = method(Sender.class, "send", String.class, String.class);

        assertThat(idempotency.operation(send, EmailSender.class).namespace())
                .isEqualTo(EmailSender.class.getName() + ".send");
        assertThat(idempotency.operation(send, SmsSender.class).namespace())
                .isEqualTo(SmsSender.class.getName() + ".send");
        assertThat(idempotency.operation(send, EmailSender.class))
                .isSameAs(idempotency.operation(send, EmailSender.class));
    }

    @Test
    void keepsTheRecordsOfTwoSubclassesApart() {
        Method send = method(Sender.class, "send", String.class, String.class);
        EmailSender email = new EmailSender();
        SmsSender sms = new SmsSender();

        Object byEmail = idempotency.operation(send, EmailSender.class).invoke(new Object[] {"k-1", "hi"}, () -> {
            runs.incrementAndGet();
            return email.send("k-1", "hi");
        });
        Object bySms = idempotency.operation(send, SmsSender.class).invoke(new Object[] {"k-1", "hi"}, () -> {
            runs.incrementAndGet();
            return sms.send("k-1", "hi");
        });

        assertThat(byEmail).isEqualTo(new Receipt("k-1", "email"));
        assertThat(bySms).isEqualTo(new Receipt("k-1", "sms"));
        assertThat(runs).hasValue(2);
    }

    @Test
    void refusesATargetClassThatDoesNotHaveTheMethod() {
        Method send = method(Sender.class, "send", String.class, String.class);

        assertThatThrownBy(() -> idempotency.operation(send, Notifier.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the target class " + Notifier.class.getName() + " does not have this method");
    }

    // --- 3. overloads ---

    @Test
    void refusesOverloadsThatWouldShareTheDefaultNamespace() {
        Method email = method(Notifier.class, "send", String.class, Email.class);

        assertThatThrownBy(() -> idempotency.operation(email, Notifier.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("@Idempotent on Notifier.send(String, Email) and on Notifier.send(String, Sms) share"
                        + " the default namespace "
                        + Notifier.class.getName() + ".send, so calls of one with the key of the other would replay"
                        + " each other. Give each overload its own name: @Idempotent(name = \"...\")");
    }

    @Test
    void refusesAnOverloadThatASubclassAdds() {
        Method email = method(BaseNotifier.class, "notify", String.class, Email.class);

        assertThat(idempotency.operation(email, BaseNotifier.class).namespace())
                .isEqualTo(BaseNotifier.class.getName() + ".notify");
        assertThatThrownBy(() -> idempotency.operation(email, ExtendedNotifier.class))
                .hasMessageContaining("share the default namespace " + ExtendedNotifier.class.getName() + ".notify");
    }

    @Test
    void acceptsOverloadsWithNamesOfTheirOwn() {
        assertThat(idempotency.operation(method(NamedOverloads.class, "send", String.class, Email.class),
                NamedOverloads.class).namespace()).isEqualTo("notify.email");
        assertThat(idempotency.operation(method(NamedOverloads.class, "send", String.class, Sms.class),
                NamedOverloads.class).namespace()).isEqualTo("notify.sms");
    }

    @Test
    void acceptsAnOverrideAndAGenericOverrideAsOneMethod() {
        assertThat(idempotency.operation(method(OverridingNotifier.class, "notify", String.class, Email.class),
                OverridingNotifier.class).namespace()).isEqualTo(OverridingNotifier.class.getName() + ".notify");
        assertThat(idempotency.operation(method(EmailConsumer.class, "accept", String.class, Email.class),
                EmailConsumer.class).namespace()).isEqualTo(EmailConsumer.class.getName() + ".accept");
    }

    // --- 4. generic return types ---

    @Test
    void resolvesAGenericReturnTypeAgainstTheClassItIsCalledOn() throws Exception {
        Method handle = method(Handler.class, "handle", String.class);
        Method handleAll = method(Handler.class, "handleAll", String.class);
        Method handleAsync = method(Handler.class, "handleAsync", String.class);
        Type listOfReceipts = Holder.class.getDeclaredField("receipts").getGenericType();

        assertThat(idempotency.operation(handle, ReceiptHandler.class).resultType()).isEqualTo(Receipt.class);
        assertThat(idempotency.operation(handle, DeepReceiptHandler.class).resultType()).isEqualTo(Receipt.class);
        Type all = idempotency.operation(handleAll, ReceiptHandler.class).resultType();
        assertThat(all).isEqualTo(listOfReceipts).hasSameHashCodeAs(listOfReceipts);
        assertThat(listOfReceipts).isEqualTo(all);
        assertThat(all.getTypeName()).isEqualTo(listOfReceipts.getTypeName());
        assertThat(idempotency.operation(handleAsync, ReceiptHandler.class).resultType()).isEqualTo(Receipt.class);
    }

    /** Holds the JDK's own {@code List<Receipt>} to compare with. */
    static class Holder {
        List<Receipt> receipts;
    }

    @Test
    void replaysTheResolvedTypeNotAMap() {
        Method handle = method(Handler.class, "handle", String.class);
        ReceiptHandler handler = new ReceiptHandler();
        IdempotentOperation<Object> operation = idempotency.operation(handle, ReceiptHandler.class);

        operation.invoke(new Object[] {"k-1"}, handler::made);
        Object replayed = operation.invoke(new Object[] {"k-1"}, () -> {
            throw new AssertionError("the body must not run again");
        });

        assertThat(replayed).isInstanceOf(Receipt.class).isEqualTo(new Receipt("r-1", "handler"));
    }

    @Test
    void refusesATypeVariableThatTheClassLeavesUnbound() {
        Method handle = method(Handler.class, "handle", String.class);

        assertThatThrownBy(() -> idempotency.operation(handle, RawHandler.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("@Idempotent on RawHandler.handle(String): the return type T cannot be resolved for "
                        + RawHandler.class.getName() + ", so a replay could not be read back as it: declare the type"
                        + " argument in the class (class ReceiptHandler extends Handler<Receipt>) or return a"
                        + " concrete type");
        assertThatThrownBy(() -> idempotency.operation(handle, Handler.class))
                .hasMessageContaining("the return type T cannot be resolved");
        assertThatThrownBy(() -> idempotency.operation(method(Fetcher.class, "fetch", String.class)))
                .hasMessageContaining("the return type R cannot be resolved");
    }

    @Test
    void resolvesNestedAndArrayTypes() throws Exception {
        abstract class Grouping<K, V> {
            @Idempotent(name = "groups")
            public Map<K, List<V>> group(String key) {
                return Map.of();
            }

            @Idempotent(name = "arrays")
            public V[] array(String key) {
                return null;
            }
        }
        class ByChannel extends Grouping<String, Receipt> {
        }

        Type grouped = idempotency.operation(Grouping.class.getMethod("group", String.class), ByChannel.class)
                .resultType();
        Type arrays = idempotency.operation(Grouping.class.getMethod("array", String.class), ByChannel.class)
                .resultType();

        assertThat(grouped.getTypeName()).isEqualTo("java.util.Map<java.lang.String, java.util.List<"
                + Receipt.class.getTypeName() + ">>");
        assertThat(arrays).isEqualTo(Receipt[].class);
        assertThat(Arrays.asList(ByChannel.class.getSuperclass().getTypeParameters())).hasSize(2);
    }
}

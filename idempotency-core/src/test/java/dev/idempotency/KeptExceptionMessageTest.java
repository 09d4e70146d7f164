package dev.idempotency;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/**
 * A kept final exception is rebuilt by passing its message to the type's public (String) constructor, and
 * {@code checkRebuildable} accepts any type with one. The most common shape of a domain exception takes a domain
 * value there, not a message ({@code new OrderNotFoundException(orderId)}), so the replay is not "an equivalent
 * exception": its message is the original one wrapped again, and what the constructor kept (the order id) is the
 * whole old message. An HTTP layer renders a different error body for the replay than for the first response.
 */
class KeptExceptionMessageTest {

    public static class OrderNotFoundException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private final String orderId;

        public OrderNotFoundException(String orderId) {
            super("Order " + orderId + " not found");
            this.orderId = orderId;
        }

        public String orderId() {
            return orderId;
        }
    }

    private final AtomicInteger runs = new AtomicInteger();

    @Test
    void replaysTheMessageTheFirstCallerGot() {
        IdempotentOperation<String> cancel = Idempotency.builder()
                .config(IdempotencyConfig.builder().localCacheEnabled(false).build()).build()
                .operation("orders.cancel", String.class).finalExceptions(OrderNotFoundException.class).build();

        assertThatThrownBy(() -> cancel.execute("k-1", "o-1", () -> {
            runs.incrementAndGet();
            throw new OrderNotFoundException("o-1");
        })).hasMessage("Order o-1 not found");

        // Fails: the replay says "Order Order o-1 not found not found", and its orderId() is "Order o-1 not found".
        assertThatThrownBy(() -> cancel.execute("k-1", "o-1", () -> "cancelled"))
                .isExactlyInstanceOf(OrderNotFoundException.class)
                .hasMessage("Order o-1 not found");
    }
}

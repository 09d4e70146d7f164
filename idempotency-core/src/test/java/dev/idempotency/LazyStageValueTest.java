package dev.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Lazy return types are refused ({@code Stream}, {@code Iterator}, {@code Supplier}, {@code Mono}...), and so are lazy
 * result types of an operation made by name, stage or not. An annotated asynchronous method is only checked for its
 * raw return type ({@code CompletableFuture}, accepted), never for the stage's value type: a
 * {@code CompletableFuture<Stream<String>>} is accepted, and when its stage completes the serializer consumes the
 * stream to keep it, so the first caller gets a stream that was already operated upon.
 */
class LazyStageValueTest {

    static class Exports {

        @Idempotent
        public CompletableFuture<Stream<String>> lines(String key) {
            return CompletableFuture.completedFuture(Stream.of("a", "b"));
        }
    }

    private final Idempotency idempotency = Idempotency.create();

    @Test
    void refusesAStageOfALazyValue() throws Exception {
        Method lines = Exports.class.getMethod("lines", String.class);

        // Fails: no exception, the operation is made.
        assertThatThrownBy(() -> idempotency.operation(lines, Exports.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lazy");
    }

    /** What the first caller gets when the operation is made anyway. */
    @Test
    void handsTheFirstCallerAStreamItCanRead() throws Exception {
        Method lines = Exports.class.getMethod("lines", String.class);
        IdempotentOperation<Object> operation;
        try {
            operation = idempotency.operation(lines, Exports.class);
        } catch (IllegalArgumentException refused) {
            return;
        }
        Exports exports = new Exports();

        @SuppressWarnings("unchecked")
        Stream<String> first = (Stream<String>) operation
                .invokeAsync(new Object[] {"k-1"}, () -> exports.lines("k-1")).join();

        // Fails: IllegalStateException "stream has already been operated upon or closed".
        assertThat(first.toList()).isEqualTo(List.of("a", "b"));
    }
}

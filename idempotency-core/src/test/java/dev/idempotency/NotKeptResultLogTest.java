package dev.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

/**
 * "Stored only as namespace#hash(key), so raw keys that may hold personal data never reach the store", and the engine
 * never repeats a cause's message "since it may quote the key"; records print their result's size only, "the result
 * may hold personal data". But a result that cannot be serialized is logged with the serializer's own message, and
 * Jackson's message quotes the path to the failing value: the map keys of the result, here the customer's e-mail
 * address that is also the idempotency key, reach the log.
 */
class NotKeptResultLogTest {

    private final String rawKey = "bob.jones+" + UUID.randomUUID() + "@example.com";

    /** A value Jackson cannot write: its getter fails (a lazy association outside its session, say). */
    public static final class Opaque {
        public String getDetails() {
            throw new IllegalStateException("could not initialize proxy - no Session");
        }
    }

    @Test
    void neverLogsTheResultsDataWhenItCannotBeKept() throws Exception {
        IdempotentOperation<Map<String, Object>> subscribe = Idempotency.create()
                .operation("newsletter.subscribe", new ResultType<Map<String, Object>>() { }).build();

        Map<String, Object> result = subscribe.execute(rawKey, () -> Map.of(rawKey, new Opaque()));

        assertThat(result).containsKey(rawKey);
        String logged = Files.readString(Path.of("target/idempotency-test.log"), StandardCharsets.UTF_8);
        assertThat(logged).as("the log says the result was not kept").contains("could not be kept");
        // Fails: the log line ends with Jackson's "(through reference chain: ...["bob.jones+...@example.com"])".
        assertThat(logged).doesNotContain(rawKey);
    }
}

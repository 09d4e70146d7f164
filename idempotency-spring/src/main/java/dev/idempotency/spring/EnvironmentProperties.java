package dev.idempotency.spring;

import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.springframework.core.env.PropertyResolver;

import dev.idempotency.InProgressPolicy;
import dev.idempotency.internal.DurationParser;

/**
 * Reads {@link IdempotencyProperties} from an environment without Spring Boot's binder. A value that cannot be
 * read fails with a message naming the property, the value and what is expected.
 */
final class EnvironmentProperties {

    private static final String DURATION = "a positive duration such as 500ms, 30s, 10m, 24h, 7d, or ISO-8601"
            + " such as PT10M";

    private final PropertyResolver environment;

    private EnvironmentProperties(PropertyResolver environment) {
        this.environment = environment;
    }

    static IdempotencyProperties read(PropertyResolver environment) {
        return new EnvironmentProperties(environment).read();
    }

    private IdempotencyProperties read() {
        IdempotencyProperties properties = new IdempotencyProperties();
        read("idempotency.store.type", "a store type such as memory", EnvironmentProperties::text,
                properties.getStore()::setType);
        read("idempotency.ttl", DURATION, EnvironmentProperties::duration, properties::setTtl);
        read("idempotency.lease", DURATION, EnvironmentProperties::duration, properties::setLease);
        read("idempotency.in-progress", "reject or wait", EnvironmentProperties::inProgress,
                properties::setInProgress);
        read("idempotency.wait-timeout", DURATION, EnvironmentProperties::duration,
                properties::setWaitTimeout);
        read("idempotency.settle-timeout", DURATION, EnvironmentProperties::duration,
                properties::setSettleTimeout);
        read("idempotency.local-cache.enabled", "true or false", EnvironmentProperties::bool,
                properties.getLocalCache()::setEnabled);
        read("idempotency.local-cache.max-size", "a positive number", EnvironmentProperties::positiveLong,
                properties.getLocalCache()::setMaxSize);
        read("idempotency.default-key-strategy", "a KeyStrategy bean name", EnvironmentProperties::text,
                properties::setDefaultKeyStrategy);
        return properties;
    }

    /** Sets {@code target} to the value of {@code property} when it is set; fails when it cannot be read. */
    private <T> void read(String property, String expected, Function<String, @Nullable T> parse, Consumer<T> target) {
        String text = environment.getProperty(property);
        if (text == null) {
            return;
        }
        T value = parse.apply(text.trim());
        if (value == null) {
            throw IdempotencyProperties.invalid(property, text, expected);
        }
        target.accept(value);
    }

    private static @Nullable InProgressPolicy inProgress(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "reject" -> InProgressPolicy.REJECT;
            case "wait" -> InProgressPolicy.WAIT;
            default -> null;
        };
    }

    private static @Nullable Duration duration(String text) {
        try {
            return DurationParser.parse(text, "duration");
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static @Nullable Boolean bool(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> null;
        };
    }

    private static @Nullable Long positiveLong(String text) {
        try {
            long value = Long.parseLong(text);
            return value > 0 ? value : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static @Nullable String text(String text) {
        return text.isEmpty() ? null : text;
    }
}

package dev.idempotency.spring;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.env.PropertyResolver;

import dev.idempotency.internal.DurationParser;

/**
 * What an {@link IdempotencyStoreProvider} may use to make its store: the application's properties, read with the
 * same rules and messages as the framework's own, its beans, and a place to register what must close with the
 * application context.
 */
public final class IdempotencyStoreProviderContext {

    /** The user and password part of a URI, which an error message must not repeat. */
    private static final Pattern USER_INFO = Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@");
    private static final String DURATION = "a positive duration such as 500ms, 30s, 10m, 24h, 7d, or ISO-8601"
            + " such as PT10M";

    private final String type;
    private final PropertyResolver properties;
    private final BeanFactory beanFactory;
    private final Consumer<AutoCloseable> closer;
    private final int adviceOrder;

    IdempotencyStoreProviderContext(String type, PropertyResolver properties, BeanFactory beanFactory,
            Consumer<AutoCloseable> closer, int adviceOrder) {
        this.type = type;
        this.properties = properties;
        this.beanFactory = beanFactory;
        this.closer = closer;
        this.adviceOrder = adviceOrder;
    }

    /** The store type that was asked for, as {@code idempotency.store.type} gave it, in lower case. */
    public String type() {
        return type;
    }

    /** The application's {@link org.springframework.core.env.Environment}, for what the helpers here do not read. */
    public PropertyResolver properties() {
        return properties;
    }

    /** The application's beans of {@code type}, such as its own client for the store. */
    public <T> ObjectProvider<T> beans(Class<T> type) {
        return beanFactory.getBeanProvider(Objects.requireNonNull(type, "type must not be null"));
    }

    /**
     * The order of the advice around {@code @Idempotent} methods ({@link EnableIdempotency#order()}), for a store
     * whose guarantees depend on running inside or outside other advice, such as a transaction's.
     */
    public int adviceOrder() {
        return adviceOrder;
    }

    /** Closes {@code resource} (a client the provider made) when the application context closes. */
    public void closeOnShutdown(AutoCloseable resource) {
        closer.accept(Objects.requireNonNull(resource, "resource must not be null"));
    }

    /** The text of {@code property}, trimmed; {@code null} when it is not set or empty. */
    public @Nullable String text(String property) {
        return read(property, "a text", text -> text);
    }

    /**
     * The text of {@code property}.
     *
     * @throws IllegalStateException saying that the property is required with this store type, when it is not set
     */
    public String requiredText(String property) {
        String value = text(property);
        if (value == null) {
            throw new IllegalStateException("Missing property " + property + ": it is required with"
                    + " idempotency.store.type=" + type);
        }
        return value;
    }

    /** {@code true} or {@code false} (any case); {@code defaultValue} when not set. */
    public boolean bool(String property, boolean defaultValue) {
        Boolean value = read(property, "true or false", text -> switch (text.toLowerCase(Locale.ROOT)) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> null;
        });
        return value == null ? defaultValue : value;
    }

    /** A duration ({@code 500ms}, {@code 30s}, {@code 10m}, {@code 24h}, {@code 7d}, ISO-8601); null when not set. */
    public @Nullable Duration duration(String property) {
        return read(property, DURATION, text -> {
            try {
                return DurationParser.parse(text, "duration");
            } catch (IllegalArgumentException e) {
                return null;
            }
        });
    }

    /** A whole number above zero; {@code defaultValue} when not set. */
    public int positiveInt(String property, int defaultValue) {
        Integer value = read(property, "a positive whole number", text -> {
            try {
                int parsed = Integer.parseInt(text);
                return parsed > 0 ? parsed : null;
            } catch (NumberFormatException e) {
                return null;
            }
        });
        return value == null ? defaultValue : value;
    }

    /**
     * An absolute URI; {@code example} shows the expected form in the error message, which masks a password the
     * value may hold ({@code redis://****@host}). Null when not set.
     */
    public @Nullable URI uri(String property, String example) {
        String raw = properties.getProperty(Objects.requireNonNull(property, "property must not be null"));
        if (raw == null || raw.isBlank()) {
            return null;
        }
        try {
            URI uri = new URI(raw.trim());
            if (uri.isAbsolute()) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // refused below
        }
        throw invalid(property, USER_INFO.matcher(raw.trim()).replaceFirst("$1****@"), "a URI such as " + example);
    }

    /**
     * The error for a value that cannot be used, in the framework's words:
     * {@code Invalid value 'x' for property idempotency.<type>.y: expected ...}.
     */
    public static IllegalArgumentException invalid(String property, Object value, String expected) {
        return new IllegalArgumentException(
                "Invalid value '" + value + "' for property " + property + ": expected " + expected);
    }

    /** The value of {@code property} read by {@code parse}; null when not set; fails when {@code parse} gives null. */
    private <T> @Nullable T read(String property, String expected, Function<String, @Nullable T> parse) {
        Objects.requireNonNull(property, "property must not be null");
        String raw = properties.getProperty(property);
        if (raw == null || raw.isBlank()) {
            return null;
        }
        T value = parse.apply(raw.trim());
        if (value == null) {
            throw invalid(property, raw, expected);
        }
        return value;
    }

    @Override
    public String toString() {
        return "IdempotencyStoreProviderContext[type=" + type + "]";
    }
}

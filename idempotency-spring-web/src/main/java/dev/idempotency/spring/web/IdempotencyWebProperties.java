package dev.idempotency.spring.web;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.springframework.core.env.PropertyResolver;

/**
 * The {@code idempotency.web.*} properties. Without Spring Boot they are read from the
 * {@link org.springframework.core.env.Environment}; with it, Boot binds them. Each default is the
 * {@link IdempotencyWebConfig} {@code DEFAULT_*} constant of the same setting.
 */
public class IdempotencyWebProperties {

    static final String PREFIX = "idempotency.web.";

    /** The request header that carries the idempotency key. */
    private String headerName = IdempotencyWebConfig.DEFAULT_HEADER_NAME;

    /**
     * Whether a request without the header is refused with 400 (true), or runs unprotected, with nothing read from or
     * written to the store (false).
     */
    private boolean keyRequired = IdempotencyWebConfig.DEFAULT_KEY_REQUIRED;

    /** The namespace of the records of endpoints without @Idempotent(name); share it per service, not per table. */
    private String namespace = IdempotencyWebConfig.DEFAULT_NAMESPACE;

    /** Whether the query string is part of the request's fingerprint. */
    private boolean includeQuery = IdempotencyWebConfig.DEFAULT_INCLUDE_QUERY;

    /** The largest request body, in bytes, read for the fingerprint. */
    private int maxRequestBytes = IdempotencyWebConfig.DEFAULT_MAX_REQUEST_BYTES;

    /** The largest response body, in bytes, kept for replays (never more than the store keeps). */
    private int maxResponseBytes = IdempotencyWebConfig.DEFAULT_MAX_RESPONSE_BYTES;

    /** What cannot be stored whole (large or streamed bodies): refuse, or run-unprotected. */
    private OversizedPolicy oversized = IdempotencyWebConfig.DEFAULT_OVERSIZED;

    /** The response headers kept and replayed besides the status and the body; never cookies or credentials. */
    private List<String> storedHeaders = new ArrayList<>(IdempotencyWebConfig.DEFAULT_STORED_HEADERS);

    /** Whether 5xx responses (but 502, 503, 504) are kept and replayed, as Stripe does, instead of released. */
    private boolean keepServerErrors = IdempotencyWebConfig.DEFAULT_KEEP_SERVER_ERRORS;

    /** Endpoints made idempotent without an annotation, as 'POST /orders/{id}/refunds'. */
    private List<String> routes = new ArrayList<>();

    /**
     * The properties as {@code environment} holds them, read without Spring Boot. Lists are comma-separated or
     * indexed ({@code idempotency.web.routes[0]}).
     *
     * @throws IllegalArgumentException naming the property and its value, when a value cannot be read
     */
    public static IdempotencyWebProperties from(PropertyResolver environment) {
        Objects.requireNonNull(environment, "environment must not be null");
        IdempotencyWebProperties p = new IdempotencyWebProperties();
        text(environment, "header-name", p::setHeaderName);
        bool(environment, "key-required", p::setKeyRequired);
        text(environment, "namespace", p::setNamespace);
        bool(environment, "include-query", p::setIncludeQuery);
        integer(environment, "max-request-bytes", p::setMaxRequestBytes);
        integer(environment, "max-response-bytes", p::setMaxResponseBytes);
        text(environment, "oversized", value -> p.setOversized(oversized(value)));
        List<String> stored = list(environment, "stored-headers");
        if (stored != null) {
            p.setStoredHeaders(stored);
        }
        bool(environment, "keep-server-errors", p::setKeepServerErrors);
        List<String> routes = list(environment, "routes");
        if (routes != null) {
            p.setRoutes(routes);
        }
        return p;
    }

    /**
     * The settings these properties give.
     *
     * @throws IllegalArgumentException naming the property and its value, when a value is out of range
     */
    public IdempotencyWebConfig toConfig() {
        IdempotencyWebConfig.Builder b = IdempotencyWebConfig.builder();
        apply("header-name", headerName, () -> b.headerName(headerName));
        b.keyRequired(keyRequired);
        apply("namespace", namespace, () -> b.namespace(namespace));
        b.includeQuery(includeQuery);
        apply("max-request-bytes", maxRequestBytes, () -> b.maxRequestBytes(maxRequestBytes));
        apply("max-response-bytes", maxResponseBytes, () -> b.maxResponseBytes(maxResponseBytes));
        b.oversized(oversized);
        apply("stored-headers", storedHeaders, () -> b.storedHeaders(storedHeaders));
        b.keepServerErrors(keepServerErrors);
        apply("routes", routes, () -> b.routes(routes));
        return b.build();
    }

    private static void apply(String property, Object value, Runnable setter) {
        try {
            setter.run();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("Invalid value '" + value + "' for property " + PREFIX + property
                    + ": " + e.getMessage(), e);
        }
    }

    private static IllegalArgumentException invalid(String property, String value, String expected) {
        return new IllegalArgumentException("Invalid value '" + value + "' for property " + PREFIX + property
                + ": expected " + expected);
    }

    private static void text(PropertyResolver environment, String property, Consumer<String> target) {
        String value = environment.getProperty(PREFIX + property);
        if (value != null) {
            target.accept(value.trim());
        }
    }

    private static void bool(PropertyResolver environment, String property, Consumer<Boolean> target) {
        String value = environment.getProperty(PREFIX + property);
        if (value == null) {
            return;
        }
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> target.accept(true);
            case "false" -> target.accept(false);
            default -> throw invalid(property, value, "true or false");
        }
    }

    private static void integer(PropertyResolver environment, String property, Consumer<Integer> target) {
        String value = environment.getProperty(PREFIX + property);
        if (value == null) {
            return;
        }
        try {
            target.accept(Integer.parseInt(value.trim()));
        } catch (NumberFormatException e) {
            throw invalid(property, value, "a number of bytes");
        }
    }

    private static OversizedPolicy oversized(String value) {
        return switch (value.toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "refuse" -> OversizedPolicy.REFUSE;
            case "run-unprotected" -> OversizedPolicy.RUN_UNPROTECTED;
            default -> throw invalid("oversized", value, "refuse or run-unprotected");
        };
    }

    private static @Nullable List<String> list(PropertyResolver environment, String property) {
        String joined = environment.getProperty(PREFIX + property);
        if (joined != null) {
            return Arrays.stream(joined.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        }
        List<String> indexed = new ArrayList<>();
        for (int i = 0; ; i++) {
            String value = environment.getProperty(PREFIX + property + "[" + i + "]");
            if (value == null) {
                return indexed.isEmpty() ? null : indexed;
            }
            indexed.add(value.trim());
        }
    }

    public String getHeaderName() {
        return headerName;
    }

    public void setHeaderName(String headerName) {
        this.headerName = headerName;
    }

    public boolean isKeyRequired() {
        return keyRequired;
    }

    public void setKeyRequired(boolean keyRequired) {
        this.keyRequired = keyRequired;
    }

    public String getNamespace() {
        return namespace;
    }

    public void setNamespace(String namespace) {
        this.namespace = namespace;
    }

    public boolean isIncludeQuery() {
        return includeQuery;
    }

    public void setIncludeQuery(boolean includeQuery) {
        this.includeQuery = includeQuery;
    }

    public int getMaxRequestBytes() {
        return maxRequestBytes;
    }

    public void setMaxRequestBytes(int maxRequestBytes) {
        this.maxRequestBytes = maxRequestBytes;
    }

    public int getMaxResponseBytes() {
        return maxResponseBytes;
    }

    public void setMaxResponseBytes(int maxResponseBytes) {
        this.maxResponseBytes = maxResponseBytes;
    }

    public OversizedPolicy getOversized() {
        return oversized;
    }

    public void setOversized(OversizedPolicy oversized) {
        this.oversized = oversized;
    }

    public List<String> getStoredHeaders() {
        return storedHeaders;
    }

    public void setStoredHeaders(List<String> storedHeaders) {
        this.storedHeaders = new ArrayList<>(storedHeaders);
    }

    public boolean isKeepServerErrors() {
        return keepServerErrors;
    }

    public void setKeepServerErrors(boolean keepServerErrors) {
        this.keepServerErrors = keepServerErrors;
    }

    public List<String> getRoutes() {
        return routes;
    }

    public void setRoutes(List<String> routes) {
        this.routes = new ArrayList<>(routes);
    }

    @Override
    public String toString() {
        return "IdempotencyWebProperties[header-name=" + headerName + ", key-required=" + keyRequired
                + ", namespace=" + namespace + ", include-query=" + includeQuery + ", max-request-bytes="
                + maxRequestBytes + ", max-response-bytes=" + maxResponseBytes + ", oversized=" + oversized
                + ", stored-headers=" + storedHeaders + ", keep-server-errors=" + keepServerErrors + ", routes="
                + routes + "]";
    }
}

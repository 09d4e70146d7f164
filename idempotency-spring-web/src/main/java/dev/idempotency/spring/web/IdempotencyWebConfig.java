package dev.idempotency.spring.web;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

import dev.idempotency.Idempotency;

/**
 * The settings of idempotent endpoints. Immutable; build with {@link #builder()} or start from {@link #defaults()}
 * and {@link #toBuilder()}. Every default is a {@code DEFAULT_*} constant here, and the README's table of the
 * {@code idempotency.web.*} properties lists the same values. With Spring, an {@code IdempotencyWebConfig} bean
 * replaces the properties.
 */
public final class IdempotencyWebConfig {

    /** The request header that carries the key, as the IETF draft names it. */
    public static final String DEFAULT_HEADER_NAME = "Idempotency-Key";
    /** The header a replayed response carries, with the value {@code true}. */
    public static final String REPLAYED_HEADER = "Idempotent-Replayed";
    /** The longest key accepted, in characters (as Stripe's limit): a longer one is a 400. */
    public static final int MAX_KEY_LENGTH = 255;
    /** A request without the header is refused with 400. */
    public static final boolean DEFAULT_KEY_REQUIRED = true;
    /**
     * The namespace that every endpoint without an {@code @Idempotent(name)} shares, so that a key reused on another
     * endpoint is refused (422) rather than run a second time.
     */
    public static final String DEFAULT_NAMESPACE = "http";
    /** The query string is part of the fingerprint. */
    public static final boolean DEFAULT_INCLUDE_QUERY = true;
    /** The largest request body read for the fingerprint: 1 MiB. */
    public static final int DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;
    /** The largest response body kept for replays: 256 KiB (and never more than the store keeps). */
    public static final int DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024;
    /** What cannot be stored whole is refused, never run unprotected. */
    public static final OversizedPolicy DEFAULT_OVERSIZED = OversizedPolicy.REFUSE;
    /**
     * The response headers kept and replayed besides the status and the body ({@code Content-Encoding} among them:
     * a compressed body is unreadable without it).
     */
    public static final List<String> DEFAULT_STORED_HEADERS =
            List.of("Content-Type", "Content-Encoding", "Content-Language", "Content-Location", "Location");
    /** 5xx responses release the key, so that a retry runs again. */
    public static final boolean DEFAULT_KEEP_SERVER_ERRORS = false;

    /**
     * Headers that are never kept, whatever {@link #storedHeaders()} says: credentials and cookies (a replay must not
     * hand one caller's session to another) and hop-by-hop headers, which describe one connection.
     */
    public static final Set<String> NEVER_STORED_HEADERS = Set.of("set-cookie", "set-cookie2", "cookie",
            "authorization", "proxy-authorization", "www-authenticate", "proxy-authenticate", "connection",
            "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "content-length",
            REPLAYED_HEADER.toLowerCase(Locale.ROOT));

    private static final IdempotencyWebConfig DEFAULTS = new Builder().build();
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");
    private static final Pattern ROUTE = Pattern.compile("([A-Z]+) (/\\S*)");

    private final String headerName;
    private final boolean keyRequired;
    private final String namespace;
    private final boolean includeQuery;
    private final int maxRequestBytes;
    private final int maxResponseBytes;
    private final OversizedPolicy oversized;
    private final List<String> storedHeaders;
    private final boolean keepServerErrors;
    private final List<String> routes;

    private IdempotencyWebConfig(Builder b) {
        this.headerName = b.headerName;
        this.keyRequired = b.keyRequired;
        this.namespace = b.namespace;
        this.includeQuery = b.includeQuery;
        this.maxRequestBytes = b.maxRequestBytes;
        this.maxResponseBytes = b.maxResponseBytes;
        this.oversized = b.oversized;
        this.storedHeaders = List.copyOf(b.storedHeaders);
        this.keepServerErrors = b.keepServerErrors;
        this.routes = List.copyOf(b.routes);
    }

    /** The configuration with every default. */
    public static IdempotencyWebConfig defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from this configuration's values. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** The request header that carries the key; default {@link #DEFAULT_HEADER_NAME}. */
    public String headerName() {
        return headerName;
    }

    /**
     * Whether a request without the header is refused with 400 ({@code true}) or runs unprotected, with nothing read
     * from or written to the store; default {@link #DEFAULT_KEY_REQUIRED}.
     */
    public boolean keyRequired() {
        return keyRequired;
    }

    /** The namespace of endpoints without {@code @Idempotent(name)}; default {@link #DEFAULT_NAMESPACE}. */
    public String namespace() {
        return namespace;
    }

    /** Whether the query string is part of the fingerprint; default {@link #DEFAULT_INCLUDE_QUERY}. */
    public boolean includeQuery() {
        return includeQuery;
    }

    /** The largest request body fingerprinted; default {@link #DEFAULT_MAX_REQUEST_BYTES}. */
    public int maxRequestBytes() {
        return maxRequestBytes;
    }

    /** The largest response body kept; default {@link #DEFAULT_MAX_RESPONSE_BYTES}. */
    public int maxResponseBytes() {
        return maxResponseBytes;
    }

    /** What an endpoint does with what it cannot store whole; default {@link #DEFAULT_OVERSIZED}. */
    public OversizedPolicy oversized() {
        return oversized;
    }

    /** The response headers kept and replayed; default {@link #DEFAULT_STORED_HEADERS}. */
    public List<String> storedHeaders() {
        return storedHeaders;
    }

    /**
     * Whether a 5xx response (other than 502, 503 and 504, which say "try again") is kept and replayed, as Stripe does
     * with its 500s, rather than releasing the key; default {@link #DEFAULT_KEEP_SERVER_ERRORS}.
     */
    public boolean keepServerErrors() {
        return keepServerErrors;
    }

    /**
     * Endpoints made idempotent without an annotation, each as {@code "POST /orders/{id}/refunds"}: an HTTP method
     * and a route template exactly as the handler's mapping declares it; never a safe method (GET, HEAD, OPTIONS,
     * TRACE), which endpoints leave unprotected. None by default.
     */
    public List<String> routes() {
        return routes;
    }

    @Override
    public String toString() {
        return "IdempotencyWebConfig[headerName=" + headerName + ", keyRequired=" + keyRequired + ", namespace="
                + namespace + ", includeQuery=" + includeQuery + ", maxRequestBytes=" + maxRequestBytes
                + ", maxResponseBytes=" + maxResponseBytes + ", oversized=" + oversized + ", storedHeaders="
                + storedHeaders + ", keepServerErrors=" + keepServerErrors + ", routes=" + routes + "]";
    }

    /** Builds an {@link IdempotencyWebConfig}; every setter validates at once. */
    public static final class Builder {

        private String headerName = DEFAULT_HEADER_NAME;
        private boolean keyRequired = DEFAULT_KEY_REQUIRED;
        private String namespace = DEFAULT_NAMESPACE;
        private boolean includeQuery = DEFAULT_INCLUDE_QUERY;
        private int maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
        private int maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;
        private OversizedPolicy oversized = DEFAULT_OVERSIZED;
        private List<String> storedHeaders = DEFAULT_STORED_HEADERS;
        private boolean keepServerErrors = DEFAULT_KEEP_SERVER_ERRORS;
        private List<String> routes = List.of();

        private Builder() {
        }

        private Builder(IdempotencyWebConfig c) {
            headerName = c.headerName;
            keyRequired = c.keyRequired;
            namespace = c.namespace;
            includeQuery = c.includeQuery;
            maxRequestBytes = c.maxRequestBytes;
            maxResponseBytes = c.maxResponseBytes;
            oversized = c.oversized;
            storedHeaders = c.storedHeaders;
            keepServerErrors = c.keepServerErrors;
            routes = c.routes;
        }

        public Builder headerName(String headerName) {
            Objects.requireNonNull(headerName, "headerName must not be null");
            if (!TOKEN.matcher(headerName).matches()) {
                throw new IllegalArgumentException("headerName must be an HTTP field name (a token such as "
                        + DEFAULT_HEADER_NAME + "), but was '" + headerName + "'");
            }
            this.headerName = headerName;
            return this;
        }

        public Builder keyRequired(boolean keyRequired) {
            this.keyRequired = keyRequired;
            return this;
        }

        public Builder namespace(String namespace) {
            Objects.requireNonNull(namespace, "namespace must not be null");
            if (namespace.isBlank() || namespace.length() > Idempotency.MAX_NAMESPACE_LENGTH) {
                throw new IllegalArgumentException("namespace must be 1 to " + Idempotency.MAX_NAMESPACE_LENGTH
                        + " characters, not blank, but was '" + namespace + "'");
            }
            this.namespace = namespace;
            return this;
        }

        public Builder includeQuery(boolean includeQuery) {
            this.includeQuery = includeQuery;
            return this;
        }

        public Builder maxRequestBytes(int maxRequestBytes) {
            this.maxRequestBytes = positive(maxRequestBytes, "maxRequestBytes");
            return this;
        }

        public Builder maxResponseBytes(int maxResponseBytes) {
            this.maxResponseBytes = positive(maxResponseBytes, "maxResponseBytes");
            return this;
        }

        public Builder oversized(OversizedPolicy oversized) {
            this.oversized = Objects.requireNonNull(oversized, "oversized must not be null");
            return this;
        }

        /**
         * @throws IllegalArgumentException for a name that is not an HTTP field name, or one of
         *                                  {@link #NEVER_STORED_HEADERS}
         */
        public Builder storedHeaders(List<String> storedHeaders) {
            Objects.requireNonNull(storedHeaders, "storedHeaders must not be null");
            for (String name : storedHeaders) {
                if (name == null || !TOKEN.matcher(name).matches()) {
                    throw new IllegalArgumentException("storedHeaders must be HTTP field names, but held '" + name
                            + "'");
                }
                if (NEVER_STORED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                    throw new IllegalArgumentException("storedHeaders must not hold " + name + ": credentials,"
                            + " cookies and hop-by-hop headers are never kept (a replay would hand them to another"
                            + " request)");
                }
            }
            this.storedHeaders = List.copyOf(storedHeaders);
            return this;
        }

        public Builder keepServerErrors(boolean keepServerErrors) {
            this.keepServerErrors = keepServerErrors;
            return this;
        }

        /** @throws IllegalArgumentException for a route that is not {@code "METHOD /template"} */
        public Builder routes(List<String> routes) {
            Objects.requireNonNull(routes, "routes must not be null");
            List<String> checked = new ArrayList<>();
            for (String route : routes) {
                if (route == null || !ROUTE.matcher(route.trim()).matches()) {
                    throw new IllegalArgumentException("routes must be an HTTP method and a route template, such as"
                            + " 'POST /orders/{id}/refunds', but held '" + route + "'");
                }
                if (SAFE_METHODS.contains(routeMethod(route.trim()))) {
                    throw new IllegalArgumentException("routes must name methods that change something (POST, PUT,"
                            + " PATCH, DELETE): GET, HEAD, OPTIONS and TRACE are never protected, but held '" + route
                            + "'");
                }
                checked.add(route.trim());
            }
            this.routes = List.copyOf(checked);
            return this;
        }

        public IdempotencyWebConfig build() {
            return new IdempotencyWebConfig(this);
        }

        private static int positive(int value, String name) {
            if (value <= 0) {
                throw new IllegalArgumentException(name + " must be positive, but was " + value);
            }
            return value;
        }
    }

    /** The methods that change nothing, which endpoints leave unprotected. */
    static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS", "TRACE");

    /** The HTTP method of a route of {@link #routes()}. */
    static String routeMethod(String route) {
        return route.substring(0, route.indexOf(' '));
    }

    /** The template of a route of {@link #routes()}. */
    static String routeTemplate(String route) {
        return route.substring(route.indexOf(' ') + 1);
    }
}

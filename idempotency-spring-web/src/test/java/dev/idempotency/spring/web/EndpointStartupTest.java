package dev.idempotency.spring.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import dev.idempotency.spring.web.testing.WebApp;

/** What an application cannot start with: each failure names the endpoint or the property, and the fix. */
class EndpointStartupTest {

    @Test
    void refusesAStreamingEndpointUnderTheDefaultPolicy() {
        assertThat(startupFailure(Map.of(), MoreEndpoints.StreamingApp.class))
                .contains("Invalid idempotent endpoint: @Idempotent on Streams.export(Payment):"
                        + " it returns StreamingResponseBody, whose body is written after the handler returns, so"
                        + " its response cannot be stored whole.")
                .contains("idempotency.web.oversized=run-unprotected");
    }

    @Test
    void refusesAKeyExpressionOnAnEndpoint() {
        assertThat(startupFailure(Map.of(), MoreEndpoints.KeyedApp.class))
                .contains("@Idempotent on KeyedEndpoint.keyed(Payment): key and keyStrategy do not"
                        + " apply to an endpoint, whose key is the request's Idempotency-Key header");
    }

    @Test
    void refusesARouteThatNoHandlerIsMappedTo() {
        assertThat(startupFailure(Map.of("idempotency.web.routes", "POST /paymentz"), PaymentsApp.class))
                .contains("Invalid value [POST /paymentz] for property idempotency.web.routes: no handler method"
                        + " is mapped to it.");
    }

    @Test
    void refusesARouteOfASafeMethodWhichIsNeverProtected() {
        assertThat(startupFailure(Map.of("idempotency.web.routes", "GET /payments"), PaymentsApp.class))
                .contains("routes must name methods that change something (POST, PUT, PATCH, DELETE): GET, HEAD,"
                        + " OPTIONS and TRACE are never protected, but held 'GET /payments'");
    }

    @Test
    void refusesToStoreCookies() {
        assertThat(startupFailure(Map.of("idempotency.web.stored-headers", "Content-Type,Set-Cookie"),
                PaymentsApp.class))
                .contains("Invalid value '[Content-Type, Set-Cookie]' for property idempotency.web.stored-headers:"
                        + " storedHeaders must not hold Set-Cookie");
    }

    @Test
    void readsThePropertiesWithoutBootAndNamesABadOne() {
        StandardEnvironment environment = environment(Map.of(
                "idempotency.web.header-name", "X-Request-Key",
                "idempotency.web.routes[0]", "POST /a",
                "idempotency.web.routes[1]", "PUT /b/{id}",
                "idempotency.web.oversized", "run-unprotected"));

        IdempotencyWebConfig config = IdempotencyWebProperties.from(environment).toConfig();

        assertThat(config.headerName()).isEqualTo("X-Request-Key");
        assertThat(config.routes()).containsExactly("POST /a", "PUT /b/{id}");
        assertThat(config.oversized()).isEqualTo(OversizedPolicy.RUN_UNPROTECTED);
        assertThatThrownBy(() -> IdempotencyWebProperties.from(
                environment(Map.of("idempotency.web.key-required", "maybe"))))
                .hasMessage("Invalid value 'maybe' for property idempotency.web.key-required: expected true or"
                        + " false");
        assertThatThrownBy(() -> IdempotencyWebProperties.from(
                environment(Map.of("idempotency.web.max-request-bytes", "0"))).toConfig())
                .hasMessage("Invalid value '0' for property idempotency.web.max-request-bytes: maxRequestBytes"
                        + " must be positive, but was 0");
    }

    private static StandardEnvironment environment(Map<String, Object> properties) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
        return environment;
    }

    private static String startupFailure(Map<String, Object> properties, Class<?> app) {
        Throwable failure = null;
        try {
            WebApp.start(properties, app).close();
        } catch (RuntimeException e) {
            failure = e;
        }
        assertThat(failure).as("the application started").isNotNull();
        // Every message of the chain, outermost first: Boot wraps the one that names the problem.
        StringBuilder messages = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append('\n');
        }
        return messages.toString();
    }
}

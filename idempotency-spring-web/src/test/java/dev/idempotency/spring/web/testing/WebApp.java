package dev.idempotency.spring.web.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A Spring Boot application on an embedded Tomcat, on a random port of 127.0.0.1, and a JDK {@link HttpClient} that
 * talks to it over HTTP/1.1: what a test asserts is what went over the wire.
 */
public final class WebApp implements AutoCloseable {

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final ConfigurableApplicationContext context;
    private final URI base;

    private WebApp(ConfigurableApplicationContext context) {
        this.context = context;
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        this.base = URI.create("http://127.0.0.1:" + port);
    }

    /** Starts {@code sources} with {@code properties} (besides the random port on 127.0.0.1). */
    public static WebApp start(Map<String, Object> properties, Class<?>... sources) {
        Map<String, Object> all = new HashMap<>(properties);
        all.put("server.port", "0");
        all.put("server.address", "127.0.0.1");
        all.put("spring.main.banner-mode", "off");
        all.putIfAbsent("logging.level.root", "warn");
        return new WebApp(new SpringApplicationBuilder(sources).web(WebApplicationType.SERVLET).properties(all)
                .run());
    }

    public ConfigurableApplicationContext context() {
        return context;
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    public URI uri(String path) {
        return base.resolve(path);
    }

    /** A POST with a JSON body and, unless {@code key} is null, the {@code Idempotency-Key} header as given. */
    public HttpResponse<byte[]> post(String path, @Nullable String key, String json, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
        if (key != null) {
            request.header("Idempotency-Key", key);
        }
        if (headers.length > 0) {
            request.headers(headers);
        }
        return send(request.build());
    }

    public HttpResponse<byte[]> send(HttpRequest request) {
        try {
            return CLIENT.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new IllegalStateException("Request failed: " + request, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted: " + request, e);
        }
    }

    public static HttpClient client() {
        return CLIENT;
    }

    public static String text(HttpResponse<byte[]> response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        context.close();
    }
}

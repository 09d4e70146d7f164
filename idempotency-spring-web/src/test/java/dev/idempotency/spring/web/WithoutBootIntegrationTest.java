package dev.idempotency.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.MapPropertySource;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.support.AnnotationConfigWebApplicationContext;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

import dev.idempotency.Idempotent;
import dev.idempotency.spring.EnableIdempotency;

/**
 * The web module without Spring Boot: {@code @EnableWebMvc}, {@code @EnableIdempotency} and an import of
 * {@link IdempotencyWebConfiguration} and {@link IdempotencyExceptionHandler}, in a DispatcherServlet on a plain
 * embedded Tomcat, with the {@code idempotency.web.*} properties read from the environment.
 */
class WithoutBootIntegrationTest {

    @Test
    void replaysAndAnswersProblemsWithoutBoot() throws Exception {
        AnnotationConfigWebApplicationContext context = new AnnotationConfigWebApplicationContext();
        context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("test",
                Map.of("idempotency.web.header-name", "X-Idempotency-Key")));
        context.register(WebConfig.class);
        Path baseDir = Files.createTempDirectory("tomcat");
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(baseDir.toString());
        tomcat.setHostname("127.0.0.1");
        tomcat.setPort(0);
        tomcat.getConnector().setProperty("address", "127.0.0.1");
        Context root = tomcat.addContext("", baseDir.toString());
        Tomcat.addServlet(root, "dispatcher", new DispatcherServlet(context)).setLoadOnStartup(1);
        root.addServletMappingDecoded("/", "dispatcher");
        tomcat.start();
        try {
            URI uri = URI.create("http://127.0.0.1:" + tomcat.getConnector().getLocalPort() + "/orders");
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpRequest.Builder order = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"item\":\"book\"}"));

            HttpResponse<String> first = client.send(order.copy().header("X-Idempotency-Key", "k-1").build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> replay = client.send(order.copy().header("X-Idempotency-Key", "k-1").build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> noKey = client.send(order.build(), HttpResponse.BodyHandlers.ofString());

            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(first.body()).isEqualTo("{\"item\":\"book\",\"run\":1}");
            assertThat(replay.body()).isEqualTo(first.body());
            assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
            assertThat(noKey.statusCode()).isEqualTo(400);
            assertThat(noKey.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(noKey.body()).contains("requires an X-Idempotency-Key header");
            assertThat(context.getBean(Orders.class).runs()).isEqualTo(1);
        } finally {
            tomcat.stop();
            tomcat.destroy();
            context.close();
        }
    }

    public record Order(String item) {
    }

    public record Placed(String item, int run) {
    }

    @RestController
    public static class Orders {

        private final AtomicInteger runs = new AtomicInteger();

        @Idempotent
        @PostMapping("/orders")
        public Placed place(@RequestBody Order order) {
            return new Placed(order.item(), runs.incrementAndGet());
        }

        int runs() {
            return runs.get();
        }
    }

    @Configuration
    @EnableWebMvc
    @EnableIdempotency
    @Import({ IdempotencyWebConfiguration.class, IdempotencyExceptionHandler.class })
    static class WebConfig {

        @Bean
        Orders orders() {
            return new Orders();
        }
    }
}

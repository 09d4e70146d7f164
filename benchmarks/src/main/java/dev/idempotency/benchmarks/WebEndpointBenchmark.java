package dev.idempotency.benchmarks;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.startup.Tomcat;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
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
import dev.idempotency.spring.web.IdempotencyExceptionHandler;
import dev.idempotency.spring.web.IdempotencyWebConfiguration;

/**
 * What {@code idempotency-spring-web} adds to a request through a real servlet container: one embedded Tomcat per
 * trial, on 127.0.0.1, serving the same handler as a plain endpoint and as an {@code @Idempotent} one (in-memory
 * store), called over one HTTP/1.1 keep-alive connection by a small blocking client (the JDK's HttpClient hands each
 * request between threads, which on 2 busy cores costs milliseconds of scheduling and hides the difference). {@code bareCall} is the plain endpoint;
 * {@code firstCall} sends a new key each time (claim, run, complete); {@code replayFromLocalCache} and
 * {@code replayFromStore} send one hot key, answered from this JVM's cache or from the store.
 *
 * <p>Spring MVC without Spring Boot, so that the shaded benchmark jar needs no merging of Boot's auto-configuration
 * files; the web module is wired as an application without Boot imports it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 4, time = 2)
@Fork(1)
@State(Scope.Thread)
public class WebEndpointBenchmark {

    /** The request body. */
    public record Payment(String orderId, int quantity, String note) {
    }

    /** The response body. */
    public record Charged(String orderId, long amountCents) {
    }

    @RestController
    public static class Payments {

        @PostMapping("/bare")
        public Charged bare(@RequestBody Payment payment) {
            return charge(payment);
        }

        @Idempotent(ttl = "2s", lease = "1s")
        @PostMapping("/payments")
        public Charged pay(@RequestBody Payment payment) {
            return charge(payment);
        }

        private static Charged charge(Payment payment) {
            return new Charged(payment.orderId(), payment.quantity() * 1_250L);
        }
    }

    @Configuration
    @EnableWebMvc
    @EnableIdempotency
    @Import({ IdempotencyWebConfiguration.class, IdempotencyExceptionHandler.class })
    public static class Application {

        @Bean
        public Payments payments() {
            return new Payments();
        }
    }

    private static final byte[] BODY_BYTES = "{\"orderId\":\"order-0001\",\"quantity\":2,\"note\":\"leave at the door\"}"
            .getBytes(StandardCharsets.UTF_8);

    private Server cached;
    private Server uncached;
    private Connection toCached;
    private Connection toUncached;
    private long nextKey;

    @Setup(Level.Trial)
    public void start() throws Exception {
        cached = new Server(Map.of());
        uncached = new Server(Map.of("idempotency.local-cache.enabled", "false", "idempotency.ttl", "1h"));
        toCached = new Connection(cached.port);
        toUncached = new Connection(uncached.port);
        toCached.post("/payments", "hot-key");
        toUncached.post("/payments", "hot-key");
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        toCached.close();
        toUncached.close();
        cached.close();
        uncached.close();
    }

    @Benchmark
    public int bareCall() throws IOException {
        return toCached.post("/bare", null);
    }

    @Benchmark
    public int firstCall() throws IOException {
        return toCached.post("/payments", "key-" + nextKey++);
    }

    @Benchmark
    public int replayFromLocalCache() throws IOException {
        return toCached.post("/payments", "hot-key");
    }

    @Benchmark
    public int replayFromStore() throws IOException {
        return toUncached.post("/payments", "hot-key");
    }

    /** One keep-alive HTTP/1.1 connection: writes a POST, reads the status and the whole body (sized or chunked). */
    private static final class Connection implements AutoCloseable {

        private final Socket socket;
        private final OutputStream out;
        private final InputStream in;

        Connection(int port) throws IOException {
            socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setTcpNoDelay(true);
            out = new BufferedOutputStream(socket.getOutputStream());
            in = new BufferedInputStream(socket.getInputStream());
        }

        /** The body's length; fails on any status but 200. */
        int post(String path, String key) throws IOException {
            String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + BODY_BYTES.length + "\r\n"
                    + (key == null ? "" : "Idempotency-Key: " + key + "\r\n") + "\r\n";
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            out.write(BODY_BYTES);
            out.flush();
            String status = line();
            int length = -1;
            boolean chunked = false;
            for (String header = line(); !header.isEmpty(); header = line()) {
                String lower = header.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Integer.parseInt(lower.substring(15).trim());
                } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                }
            }
            int read = 0;
            if (chunked) {
                for (int size = Integer.parseInt(line().trim(), 16); size > 0;
                        size = Integer.parseInt(line().trim(), 16)) {
                    read += in.readNBytes(size).length;
                    line();
                }
                line();
            } else if (length > 0) {
                read = in.readNBytes(length).length;
            }
            if (!status.startsWith("HTTP/1.1 200")) {
                throw new IllegalStateException(status + " for " + path);
            }
            return read;
        }

        private String line() throws IOException {
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new IOException("the server closed the connection");
                }
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            return line.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** One embedded Tomcat with the application's DispatcherServlet. */
    private static final class Server implements AutoCloseable {

        final int port;
        private final Tomcat tomcat;
        private final AnnotationConfigWebApplicationContext context;
        private final Path baseDir;

        Server(Map<String, Object> properties) throws IOException, LifecycleException {
            context = new AnnotationConfigWebApplicationContext();
            context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("benchmark", properties));
            context.register(Application.class);
            baseDir = Files.createTempDirectory("web-benchmark");
            tomcat = new Tomcat();
            tomcat.setBaseDir(baseDir.toString());
            tomcat.setHostname("127.0.0.1");
            tomcat.setPort(0);
            tomcat.getConnector().setProperty("address", "127.0.0.1");
            // One connection carries a whole trial (Tomcat closes one after 100 requests by default).
            tomcat.getConnector().setProperty("maxKeepAliveRequests", "-1");
            Context root = tomcat.addContext("", baseDir.toString());
            Tomcat.addServlet(root, "dispatcher", new DispatcherServlet(context)).setLoadOnStartup(1);
            root.addServletMappingDecoded("/", "dispatcher");
            tomcat.start();
            port = tomcat.getConnector().getLocalPort();
        }

        @Override
        public void close() throws Exception {
            tomcat.stop();
            tomcat.destroy();
            context.close();
        }
    }
}

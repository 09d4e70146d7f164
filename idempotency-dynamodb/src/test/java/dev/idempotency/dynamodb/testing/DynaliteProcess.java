package dev.idempotency.dynamodb.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;

/**
 * One dynalite server in a node child process, started by {@code launcher.js}: it binds a port on 127.0.0.1 (a free
 * one unless told which) and exits when its stdin closes. The JVM holds the other end of that pipe, so the server
 * ends with the JVM even when the JVM is killed and no shutdown hook runs.
 *
 * <p>{@link DynaliteExtension} starts one in memory for a whole test run. A test that stops and restarts the server
 * itself starts its own with {@link #startPersistent}:
 *
 * <pre>{@code
 * DynaliteProcess dynalite = DynaliteProcess.startPersistent(DynaliteProcess.installedHome(), dataDirectory, 0);
 * DynamoDbClient client = dynalite.clientBuilder().build();
 * int port = dynalite.port();
 * dynalite.close();                                        // the outage
 * dynalite = DynaliteProcess.startPersistent(DynaliteProcess.installedHome(), dataDirectory, port);
 * }</pre>
 */
public final class DynaliteProcess implements AutoCloseable {

    private static final String PORT_LINE = "DYNALITE_PORT=";
    private static final long START_TIMEOUT_SECONDS = 30;

    private final Process process;
    private final int port;

    private DynaliteProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * Where the build installed dynalite and its launcher: the directory the system property
     * {@value DynaliteExtension#HOME_PROPERTY} names, else {@code target/dynalite}.
     */
    public static Path installedHome() {
        return Path.of(System.getProperty(DynaliteExtension.HOME_PROPERTY, "target/dynalite"));
    }

    /**
     * Starts dynalite installed in {@code home} (by the build's {@code npm ci}) in memory on a free port, and waits
     * until it listens.
     */
    public static DynaliteProcess start(Path home) throws IOException, InterruptedException {
        return start(home, List.of());
    }

    /**
     * Starts dynalite installed in {@code home} with its tables in LevelDB files in {@code dataDirectory}, on
     * {@code port} (0 for a free one), and waits until it listens. Started again on the same directory and port after
     * {@link #close()}, it is the same server restarted: clients keep their endpoint, and every table and item
     * written before the stop is back.
     */
    public static DynaliteProcess startPersistent(Path home, Path dataDirectory, int port)
            throws IOException, InterruptedException {
        return start(home, List.of("--path", dataDirectory.toAbsolutePath().toString(),
                "--port", Integer.toString(port)));
    }

    private static DynaliteProcess start(Path home, List<String> options) throws IOException, InterruptedException {
        Path launcher = home.resolve("launcher.js");
        if (!Files.isRegularFile(launcher) || !Files.isDirectory(home.resolve("node_modules/dynalite"))) {
            throw new IOException("dynalite is not installed in " + home.toAbsolutePath() + ": build with Maven"
                    + " (npm ci runs in generate-test-resources), or point the tests at another endpoint with -D"
                    + DynaliteExtension.ENDPOINT_PROPERTY + "=URL");
        }
        List<String> command = new ArrayList<>(List.of("node", launcher.toAbsolutePath().toString()));
        command.addAll(options);
        Process process = new ProcessBuilder(command)
                .directory(home.toFile())
                .redirectErrorStream(true)
                .start();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        StringBuilder output = new StringBuilder();
        Thread pump = new Thread(() -> drain(process, port, output), "dynalite-output");
        pump.setDaemon(true);
        pump.start();
        try {
            return new DynaliteProcess(process, port.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS));
        } catch (ExecutionException | TimeoutException e) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            synchronized (output) {
                throw new IOException("dynalite did not start within " + START_TIMEOUT_SECONDS + " s; its output:\n"
                        + output, e);
            }
        }
    }

    /** Reads the port line, then keeps reading so that the child never blocks on a full pipe. */
    private static void drain(Process process, CompletableFuture<Integer> port, StringBuilder output) {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                synchronized (output) {
                    output.append(line).append('\n');
                }
                if (line.startsWith(PORT_LINE)) {
                    port.complete(Integer.parseInt(line.substring(PORT_LINE.length()).trim()));
                }
            }
        } catch (IOException | RuntimeException e) {
            port.completeExceptionally(e);
        }
        port.completeExceptionally(new IOException("dynalite exited with " + exitValue(process)));
    }

    private static String exitValue(Process process) {
        try {
            return "exit value " + process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "an unknown exit value";
        }
    }

    public int port() {
        return port;
    }

    /** {@code http://127.0.0.1:<port>}, for a client's {@code endpointOverride}. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /**
     * A client builder for this server's endpoint, which stays the same across a restart on the same port: region
     * us-east-1 and dummy credentials, since dynalite checks no signature. Whoever builds the client closes it.
     */
    public DynamoDbClientBuilder clientBuilder() {
        return DynamoDbClient.builder()
                .endpointOverride(endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("dummy", "dummy")))
                .httpClientBuilder(Apache5HttpClient.builder());
    }

    /**
     * Stops the server as a crash would, without a graceful shutdown: closes the child's stdin, which ends it, and
     * signals only if it does not go. Returns once the process has exited, so its port is free again.
     */
    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}

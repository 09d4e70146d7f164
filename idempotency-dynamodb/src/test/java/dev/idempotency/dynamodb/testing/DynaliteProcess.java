package dev.idempotency.dynamodb.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One dynalite server in a node child process, started by {@code launcher.js}: it binds a free port on 127.0.0.1
 * and exits when its stdin closes. The JVM holds the other end of that pipe, so the server ends with the JVM even
 * when the JVM is killed and no shutdown hook runs.
 */
final class DynaliteProcess implements AutoCloseable {

    private static final String PORT_LINE = "DYNALITE_PORT=";
    private static final long START_TIMEOUT_SECONDS = 30;

    private final Process process;
    private final int port;

    private DynaliteProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts dynalite installed in {@code home} (by the build's {@code npm ci}) and waits until it listens. */
    static DynaliteProcess start(Path home) throws IOException, InterruptedException {
        Path launcher = home.resolve("launcher.js");
        if (!Files.isRegularFile(launcher) || !Files.isDirectory(home.resolve("node_modules/dynalite"))) {
            throw new IOException("dynalite is not installed in " + home.toAbsolutePath() + ": build with Maven"
                    + " (npm ci runs in generate-test-resources), or point the tests at another endpoint with -D"
                    + DynaliteExtension.ENDPOINT_PROPERTY + "=URL");
        }
        Process process = new ProcessBuilder("node", launcher.toString())
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

    int port() {
        return port;
    }

    /** Closes the child's stdin, which ends it; signals only if it does not go. */
    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
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

package dev.idempotency.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A local DynamoDB-compatible server (dynalite, installed with npm by the build) for running the example (and the
 * benchmarks) against the DynamoDB store without an AWS account. It listens on a free port of 127.0.0.1 and ends when
 * the JVM does.
 */
public final class LocalDynalite implements AutoCloseable {

    private static final String PORT_LINE = "DYNALITE_PORT=";

    private final Process process;
    private final URI endpoint;

    private LocalDynalite(Process process, URI endpoint) {
        this.process = process;
        this.endpoint = endpoint;
    }

    public static LocalDynalite start(Path home) throws IOException {
        Path launcher = home.resolve("launcher.js");
        if (!Files.isRegularFile(launcher)) {
            throw new IOException("dynalite is not installed in " + home.toAbsolutePath()
                    + ": the examples install it with -Pdynamodb, and benchmarks/run installs it, with npm");
        }
        Process process = new ProcessBuilder("node", launcher.toString()).directory(home.toFile())
                .redirectErrorStream(true).start();
        BufferedReader output = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = output.readLine()) != null; ) {
            if (line.startsWith(PORT_LINE)) {
                int port = Integer.parseInt(line.substring(PORT_LINE.length()).trim());
                return new LocalDynalite(process, URI.create("http://127.0.0.1:" + port));
            }
        }
        throw new IOException("dynalite exited before it listened");
    }

    public URI endpoint() {
        return endpoint;
    }

    /** Closing its stdin ends the launcher. */
    @Override
    public void close() throws IOException {
        process.getOutputStream().close();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}

package dev.idempotency.redis.testing;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import redis.embedded.RedisExecProvider;

/**
 * One redis-server in a child process on 127.0.0.1: the binary comes from the {@code org.signal:embedded-redis} jar
 * (Redis 7.0 for Linux and macOS, x86-64 and arm64), which the build downloads like any dependency. A small
 * {@code sh} watchdog starts it and kills it as soon as the watchdog's stdin closes; the JVM holds the other end of
 * that pipe, so the server ends with the JVM even when the JVM is killed and no shutdown hook runs.
 *
 * <pre>{@code
 * RedisServerProcess redis = RedisServerProcess.start();                 // in memory, a free port
 * RedisServerProcess aof = RedisServerProcess.startPersistent(dir, 0);  // appendonly yes, appendfsync always
 * aof.crash();                                                           // kill -9
 * aof = RedisServerProcess.startPersistent(dir, aof.port());             // the same server, restarted
 * }</pre>
 */
public final class RedisServerProcess implements AutoCloseable {

    private static final long START_TIMEOUT_SECONDS = 30;
    private static final String PID_LINE = "REDIS_PID=";
    /** Runs the server in the background, says its pid, and kills it once stdin closes (however the JVM ends). */
    private static final String WATCHDOG = "\"$@\" & pid=$!; echo " + PID_LINE + "$pid;"
            + " while read -r _; do :; done; kill -9 $pid 2>/dev/null; wait $pid";

    private static File binary;

    private final Process watchdog;
    private final long pid;
    private final int port;
    private final StringBuilder output;

    private RedisServerProcess(Process watchdog, long pid, int port, StringBuilder output) {
        this.watchdog = watchdog;
        this.pid = pid;
        this.port = port;
        this.output = output;
    }

    /** The redis-server binary of this OS and architecture, taken out of the embedded-redis jar once per JVM. */
    public static synchronized File binary() throws IOException {
        if (binary == null) {
            binary = RedisExecProvider.defaultProvider().get();
        }
        return binary;
    }

    /** A server that keeps nothing on disk, on a free port. */
    public static RedisServerProcess start(String... options) throws IOException, InterruptedException {
        List<String> settings = new ArrayList<>(List.of("--save", "", "--appendonly", "no"));
        settings.addAll(List.of(options));
        return start(0, settings);
    }

    /**
     * A server that writes every command to its append-only file in {@code directory} before it answers
     * ({@code appendonly yes}, {@code appendfsync always}), on {@code port} (0 for a free one). Started again on the
     * same directory and port after {@link #crash()}, it is the same server restarted with all its data.
     */
    public static RedisServerProcess startPersistent(Path directory, int port) throws IOException,
            InterruptedException {
        return start(port, List.of("--dir", directory.toAbsolutePath().toString(), "--save", "",
                "--appendonly", "yes", "--appendfsync", "always"));
    }

    /** A server on {@code port} (0: a free one, and another if that was taken meanwhile). */
    public static RedisServerProcess start(int port, List<String> settings) throws IOException, InterruptedException {
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int chosen = port != 0 ? port : freePort();
            try {
                return launch(chosen, settings);
            } catch (IOException e) {
                last = e;
                if (port != 0) {
                    break;
                }
            }
        }
        throw last;
    }

    private static RedisServerProcess launch(int port, List<String> settings) throws IOException,
            InterruptedException {
        List<String> command = new ArrayList<>(List.of("sh", "-c", WATCHDOG, "sh", binary().getAbsolutePath(),
                "--port", Integer.toString(port), "--bind", "127.0.0.1", "--protected-mode", "no",
                "--loglevel", "warning"));
        command.addAll(settings);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<Long> pid = new CompletableFuture<>();
        CompletableFuture<Void> ready = new CompletableFuture<>();
        StringBuilder output = new StringBuilder();
        Thread pump = new Thread(() -> drain(process, pid, ready, output), "redis-server-" + port);
        pump.setDaemon(true);
        pump.start();
        try {
            long serverPid = pid.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            RedisServerProcess server = new RedisServerProcess(process, serverPid, port, output);
            server.awaitReady(ready);
            return server;
        } catch (ExecutionException | TimeoutException e) {
            process.getOutputStream().close();
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            synchronized (output) {
                throw new IOException("redis-server did not start on port " + port + " within "
                        + START_TIMEOUT_SECONDS + " s; its output:\n" + output, e);
            }
        }
    }

    /** Waits until the server accepts connections: the log line at warning level is not printed, so ask it. */
    private void awaitReady(CompletableFuture<Void> exited) throws IOException, InterruptedException,
            ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
        while (System.nanoTime() < deadline) {
            if (exited.isDone()) {
                exited.get();
            }
            if (ping()) {
                return;
            }
            Thread.sleep(10);
        }
        throw new TimeoutException("no PONG from port " + port);
    }

    private boolean ping() {
        try (java.net.Socket socket = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(1_000);
            socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] reply = new byte[7];
            int read = socket.getInputStream().read(reply);
            return read > 0 && new String(reply, 0, read, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException notYet) {
            return false;
        }
    }

    /** Reads the pid line, then keeps reading so that the child never blocks on a full pipe. */
    private static void drain(Process process, CompletableFuture<Long> pid, CompletableFuture<Void> exited,
            StringBuilder output) {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                synchronized (output) {
                    output.append(line).append('\n');
                }
                if (line.startsWith(PID_LINE)) {
                    pid.complete(Long.parseLong(line.substring(PID_LINE.length()).trim()));
                }
            }
        } catch (IOException | RuntimeException e) {
            pid.completeExceptionally(e);
        }
        IOException end = new IOException("redis-server exited");
        pid.completeExceptionally(end);
        exited.completeExceptionally(end);
    }

    /** A port that was free a moment ago, and whose cluster bus port (+10000) was free too. */
    static int freePort() throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int port = socket.getLocalPort();
                if (port + 10_000 <= 65_535 && isFree(port + 10_000)) {
                    return port;
                }
            }
        }
        throw new IOException("no free port below 55536");
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return socket.isBound();
        } catch (IOException e) {
            return false;
        }
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:<port>}. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** What the server printed (at warning level). */
    public String output() {
        synchronized (output) {
            return output.toString();
        }
    }

    /** Stops the server as a crash would ({@code kill -9}), and returns once it is gone and its port is free. */
    public void crash() throws InterruptedException {
        Optional<ProcessHandle> server = ProcessHandle.of(pid);
        server.ifPresent(ProcessHandle::destroyForcibly);
        close();
    }

    /** Stops the server (its watchdog kills it), and returns once it is gone. */
    @Override
    public void close() {
        try {
            watchdog.getOutputStream().close();
            if (!watchdog.waitFor(10, TimeUnit.SECONDS)) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                watchdog.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        } catch (IOException e) {
            watchdog.destroyForcibly();
        } catch (InterruptedException e) {
            watchdog.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}

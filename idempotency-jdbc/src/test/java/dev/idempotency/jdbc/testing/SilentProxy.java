package dev.idempotency.jdbc.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy in front of a server that can fall silent: it forwards both ways until {@link #silence()}, and then
 * keeps every connection open (and accepts new ones) but forwards nothing more, like a database host that stopped
 * answering without closing its sockets (a frozen VM, a dropped route). Closing it closes every socket.
 */
public final class SilentProxy implements AutoCloseable {

    private final ServerSocket server;
    private final int targetPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean silent;

    private SilentProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "silent-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A proxy on a free port of 127.0.0.1 to {@code 127.0.0.1:targetPort}. */
    public static SilentProxy to(int targetPort) throws IOException {
        return new SilentProxy(targetPort);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** From now on nothing is forwarded, either way, and new connections are accepted and left unanswered. */
    public void silence() {
        silent = true;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                sockets.add(client);
                if (silent) {
                    continue;
                }
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                sockets.add(upstream);
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    if (!silent) {
                        out.write(buffer, 0, read);
                        out.flush();
                    }
                }
            } catch (IOException e) {
                // Closed.
            }
        }, "silent-proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : sockets) {
            socket.close();
        }
    }
}

package dev.idempotency.dynamodb.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A TCP proxy on 127.0.0.1 in front of a DynamoDB endpoint that can lose a response after the write took effect:
 * armed with {@link #dropNextResponseTo(String)}, it forwards the next request of that operation, waits for the
 * server's answer (the write is done by then), throws the answer away and closes the client's connection. The
 * client sees a connection that ended without a response, the ordinary lost response of a faulty network, and its
 * retry meets a record that has already changed.
 */
public final class ResponseDroppingProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final URI target;
    private final AtomicReference<String> armedFor = new AtomicReference<>();
    private final AtomicInteger dropped = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    private ResponseDroppingProxy(ServerSocket listener, URI target) {
        this.listener = listener;
        this.target = target;
        this.acceptor = new Thread(this::accept, "response-dropping-proxy");
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    /** A proxy to {@code target} ({@code http://host:port}). */
    public static ResponseDroppingProxy to(URI target) throws IOException {
        ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        return new ResponseDroppingProxy(listener, target);
    }

    /** {@code http://127.0.0.1:port}, for the client's endpoint. */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort());
    }

    /** Drops the response to the next request of {@code operation} ({@code UpdateItem}, {@code DeleteItem}). */
    public void dropNextResponseTo(String operation) {
        armedFor.set("x-amz-target: dynamodb_20120810." + operation.toLowerCase(Locale.ROOT));
    }

    /** How many responses were dropped. */
    public int dropped() {
        return dropped.get();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(target.getHost(), target.getPort());
                sockets.add(client);
                sockets.add(server);
                Connection connection = new Connection(client, server);
                start(connection::requests);
                start(connection::responses);
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void start(Runnable pump) {
        Thread thread = new Thread(pump, "response-dropping-proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    /** One client connection and its connection to the server; requests on it are sequential, as HTTP/1.1's are. */
    private final class Connection {

        private final Socket client;
        private final Socket server;
        private volatile boolean dropNextResponse;

        Connection(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        void requests() {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = client.getInputStream(); OutputStream out = server.getOutputStream()) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    String armed = armedFor.get();
                    if (armed != null && new String(buffer, 0, n, StandardCharsets.ISO_8859_1)
                            .toLowerCase(Locale.ROOT).contains(armed) && armedFor.compareAndSet(armed, null)) {
                        dropNextResponse = true;
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // the connection ended
            } finally {
                closeQuietly(server);
            }
        }

        void responses() {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = server.getInputStream(); OutputStream out = client.getOutputStream()) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    if (dropNextResponse) {
                        dropped.incrementAndGet();
                        client.setSoLinger(true, 0);
                        return;
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // the connection ended
            } finally {
                closeQuietly(client);
                closeQuietly(server);
            }
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket socket : sockets) {
            closeQuietly(socket);
        }
    }
}

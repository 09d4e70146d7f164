package dev.idempotency.dynamodb.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;

/**
 * An endpoint on 127.0.0.1 that refuses every connection: a port bound but not listening. The port stays bound
 * until {@link #close()}, so no other process can start listening on it while a test expects refusals, which a
 * port found free and then closed cannot promise.
 */
public final class RefusingEndpoint implements AutoCloseable {

    private final Socket socket;

    private RefusingEndpoint(Socket socket) {
        this.socket = socket;
    }

    public static RefusingEndpoint open() throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return new RefusingEndpoint(socket);
    }

    /** {@code http://127.0.0.1:port}. */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

package dev.idempotency.spring.web;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.SequenceInputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

/**
 * A request whose body was read, at most a limit, before the store is asked: the handler reads the same bytes again
 * (and, for a body over the limit, the rest of the stream after them).
 */
final class BufferedRequest extends HttpServletRequestWrapper {

    private final byte[] body;
    private final @Nullable InputStream rest;
    private final boolean oversized;

    private BufferedRequest(HttpServletRequest request, byte[] body, @Nullable InputStream rest, boolean oversized) {
        super(request);
        this.body = body;
        this.rest = rest;
        this.oversized = oversized;
    }

    /** Reads at most {@code limit} bytes; a declared length over it is not read at all. */
    static BufferedRequest read(HttpServletRequest request, int limit) throws IOException {
        long declared = request.getContentLengthLong();
        if (declared > limit) {
            return new BufferedRequest(request, new byte[0], request.getInputStream(), true);
        }
        InputStream in = request.getInputStream();
        if (declared >= 0) {
            // The container holds the body to its declared length: read just that, in one buffer of its size.
            return new BufferedRequest(request, in.readNBytes((int) declared), null, false);
        }
        byte[] bytes = in.readNBytes(limit + 1);
        if (bytes.length > limit) {
            return new BufferedRequest(request, bytes, in, true);
        }
        return new BufferedRequest(request, bytes, null, false);
    }

    /** Whether the body is larger than the limit (then {@link #body()} is only its beginning, or nothing). */
    boolean oversized() {
        return oversized;
    }

    byte[] body() {
        return body;
    }

    @Override
    public ServletInputStream getInputStream() {
        InputStream bytes = new ByteArrayInputStream(body);
        InputStream in = rest == null ? bytes : new SequenceInputStream(bytes, rest);
        return new ServletInputStream() {
            private boolean finished;

            @Override
            public int read() throws IOException {
                int b = in.read();
                finished = b < 0;
                return b;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                int n = in.read(buffer, offset, length);
                finished = n < 0;
                return n;
            }

            @Override
            public boolean isFinished() {
                return finished;
            }

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setReadListener(ReadListener listener) {
                throw new UnsupportedOperationException("the body of an idempotent request is read blocking");
            }
        };
    }

    @Override
    public BufferedReader getReader() {
        String encoding = getCharacterEncoding();
        Charset charset = encoding == null ? StandardCharsets.ISO_8859_1 : Charset.forName(encoding);
        return new BufferedReader(new InputStreamReader(getInputStream(), charset));
    }
}

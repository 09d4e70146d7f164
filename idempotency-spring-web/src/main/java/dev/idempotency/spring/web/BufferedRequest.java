package dev.idempotency.spring.web;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.SequenceInputStream;
import java.net.URLDecoder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;

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
    private boolean form;
    private @Nullable Map<String, String[]> parameters;

    private BufferedRequest(HttpServletRequest request, byte[] body, @Nullable InputStream rest, boolean oversized) {
        super(request);
        this.body = body;
        this.rest = rest;
        this.oversized = oversized;
    }

    /** A multipart request whose parts were parsed: its body is the parts', not read here. */
    static BufferedRequest parsed(HttpServletRequest request) throws IOException {
        return new BufferedRequest(request, new byte[0], request.getInputStream(), false);
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

    /**
     * Makes this request answer its parameters from the query string and the buffered
     * {@code application/x-www-form-urlencoded} body, since the container can no longer read the body for them.
     */
    BufferedRequest form() {
        form = !oversized;
        return this;
    }

    /** Whether this request answers its parameters as a form's. */
    boolean isForm() {
        return form;
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
    public @Nullable String getParameter(String name) {
        if (!form) {
            return super.getParameter(name);
        }
        String[] values = getParameterMap().get(name);
        return values == null || values.length == 0 ? null : values[0];
    }

    @Override
    public Map<String, String[]> getParameterMap() {
        if (!form) {
            return super.getParameterMap();
        }
        Map<String, String[]> all = parameters;
        if (all == null) {
            // The query string's, which the container still parses, then the body's, in their order.
            Map<String, List<String>> values = new LinkedHashMap<>();
            super.getParameterMap().forEach((name, array) -> values.computeIfAbsent(name, n -> new ArrayList<>())
                    .addAll(Arrays.asList(array)));
            String encoding = getCharacterEncoding();
            Charset charset = encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
            for (String pair : new String(body, StandardCharsets.ISO_8859_1).split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int equals = pair.indexOf('=');
                String name = decode(equals < 0 ? pair : pair.substring(0, equals), charset);
                String value = equals < 0 ? "" : decode(pair.substring(equals + 1), charset);
                values.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
            }
            Map<String, String[]> arrays = new LinkedHashMap<>();
            values.forEach((name, list) -> arrays.put(name, list.toArray(String[]::new)));
            all = Collections.unmodifiableMap(arrays);
            parameters = all;
        }
        return all;
    }

    /**
     * Decodes a form's name or value; a malformed percent-escape ({@code %ZZ}) is the client's error, a 400 as the
     * container answers the same form without the framework, never the 500 of URLDecoder's exception.
     */
    private static String decode(String text, Charset charset) {
        try {
            return URLDecoder.decode(text, charset);
        } catch (IllegalArgumentException e) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST,
                    "The form body has a malformed percent-escape", e);
        }
    }

    @Override
    public Enumeration<String> getParameterNames() {
        return form ? Collections.enumeration(getParameterMap().keySet()) : super.getParameterNames();
    }

    @Override
    public String @Nullable [] getParameterValues(String name) {
        if (!form) {
            return super.getParameterValues(name);
        }
        String[] values = getParameterMap().get(name);
        return values == null ? null : values.clone();
    }

    @Override
    public BufferedReader getReader() {
        String encoding = getCharacterEncoding();
        Charset charset = encoding == null ? StandardCharsets.ISO_8859_1 : Charset.forName(encoding);
        return new BufferedReader(new InputStreamReader(getInputStream(), charset));
    }
}

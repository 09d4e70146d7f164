package dev.idempotency.spring.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

/**
 * Holds the body an endpoint writes, up to a limit, so that it can be stored before the first byte reaches the
 * client, and the client's response is never committed half-written; status and headers go to the response as the
 * handler sets them. Past the limit (or once the handler goes asynchronous) it passes everything through: what was
 * held is written out and the rest follows directly, and the response is no longer storable.
 */
final class CapturingResponse extends HttpServletResponseWrapper {

    private final HttpServletResponse response;
    private final int limit;
    private final @Nullable String instance;
    private @Nullable ByteArrayOutputStream held = new ByteArrayOutputStream(256);
    private @Nullable ServletOutputStream stream;
    private @Nullable PrintWriter writer;
    private boolean overflowed;
    private boolean errorSent;
    private boolean clientGone;
    /** An error was answered into the held body: as the container does after sendError, the rest is ignored. */
    private boolean errorHeld;

    /** {@code instance}: the request's path, for the problem details of an error status. */
    CapturingResponse(HttpServletResponse response, int limit, @Nullable String instance) {
        super(response);
        this.response = response;
        this.limit = limit;
        this.instance = instance;
    }

    /** Whether the body went past the limit, and was passed through. */
    boolean overflowed() {
        return overflowed;
    }

    /** Whether everything now goes straight to the client. */
    boolean passingThrough() {
        return held == null;
    }

    /** Whether an error was sent while passing through, which the container renders after the handler. */
    boolean errorSent() {
        return errorSent;
    }

    /** The body held so far (empty once passing through). */
    byte[] body() {
        flushWriter();
        return held == null ? new byte[0] : held.toByteArray();
    }

    /** The status and the headers named in {@code stored} (case-insensitively), in the response's order. */
    StoredResponse toStored(Set<String> stored, byte @Nullable [] body) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        String contentType = response.getContentType();
        if (contentType != null && stored.contains("content-type")) {
            headers.put("Content-Type", List.of(contentType));
        }
        for (String name : response.getHeaderNames()) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.equals("content-type") || !stored.contains(lower)
                    || IdempotencyWebConfig.NEVER_STORED_HEADERS.contains(lower)) {
                continue;
            }
            Collection<String> values = response.getHeaders(name);
            headers.computeIfAbsent(name, n -> new ArrayList<>()).addAll(values);
        }
        return new StoredResponse(response.getStatus(), headers, body);
    }

    /** From now on the body goes straight to the client, after what was held. */
    void passThrough() throws IOException {
        flushWriter();
        ByteArrayOutputStream bytes = held;
        if (bytes == null) {
            return;
        }
        held = null;
        if (bytes.size() > 0) {
            toClient(bytes.toByteArray(), 0, bytes.size());
        }
    }

    /** Writes what was held to the client, with its length. */
    void commit() throws IOException {
        flushWriter();
        ByteArrayOutputStream bytes = held;
        if (bytes == null || errorSent) {
            return;
        }
        held = null;
        response.setContentLength(bytes.size());
        if (bytes.size() > 0) {
            toClient(bytes.toByteArray(), 0, bytes.size());
        }
    }

    /**
     * While a forward renders into this response: it wraps a stand-in that answers as the container's response but
     * is no wrapper of it, so that the container, which finishes the response it finds beneath a forward's wrappers
     * when the forward returns, leaves it open for the held body.
     */
    void detachFromContainer() {
        HttpServletResponse container = response;
        setResponse((HttpServletResponse) Proxy.newProxyInstance(HttpServletResponse.class.getClassLoader(),
                new Class<?>[] { HttpServletResponse.class }, (proxy, method, args) -> {
                    try {
                        return method.invoke(container, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                }));
    }

    /** After a forward: wraps the container's response again. */
    void attachToContainer() {
        setResponse(response);
    }

    /** Whether the client's connection failed while the body was written to it. */
    boolean clientGone() {
        return clientGone;
    }

    /**
     * Writes to the client. Once its connection failed (it hung up) the rest is dropped rather than thrown at the
     * handler: the response is what the handler made of the request, final whether or not the client reads it, so a
     * client that left cannot turn a completed call into a released one (and its retry into a second run).
     */
    private void toClient(byte[] bytes, int offset, int length) {
        if (clientGone) {
            return;
        }
        try {
            response.getOutputStream().write(bytes, offset, length);
        } catch (IOException e) {
            clientGone = true;
        }
    }

    private void flushWriter() {
        if (writer != null) {
            writer.flush();
        }
    }

    private void write(byte[] bytes, int offset, int length) throws IOException {
        if (errorHeld) {
            return;
        }
        ByteArrayOutputStream buffer = held;
        if (buffer != null && buffer.size() + length > limit) {
            overflowed = true;
            passThrough();
            buffer = null;
        }
        if (buffer == null) {
            toClient(bytes, offset, length);
        } else {
            buffer.write(bytes, offset, length);
        }
    }

    @Override
    public ServletOutputStream getOutputStream() {
        if (writer != null) {
            throw new IllegalStateException("getWriter() has already been called for this response");
        }
        return outputStream();
    }

    private ServletOutputStream outputStream() {
        if (stream == null) {
            stream = new ServletOutputStream() {
                @Override
                public void write(int b) throws IOException {
                    CapturingResponse.this.write(new byte[] { (byte) b }, 0, 1);
                }

                @Override
                public void write(byte[] bytes, int offset, int length) throws IOException {
                    CapturingResponse.this.write(bytes, offset, length);
                }

                @Override
                public void flush() throws IOException {
                    if (held == null && !clientGone) {
                        try {
                            response.getOutputStream().flush();
                        } catch (IOException e) {
                            clientGone = true;
                        }
                    }
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setWriteListener(WriteListener listener) {
                    throw new UnsupportedOperationException("the body of an idempotent response is written blocking");
                }
            };
        }
        return stream;
    }

    @Override
    public PrintWriter getWriter() {
        if (writer == null) {
            if (stream != null) {
                throw new IllegalStateException("getOutputStream() has already been called for this response");
            }
            writer = new PrintWriter(new OutputStreamWriter(outputStream(), Charset.forName(getCharacterEncoding())));
        }
        return writer;
    }

    @Override
    public void flushBuffer() throws IOException {
        flushWriter();
        if (held == null && !clientGone) {
            try {
                response.flushBuffer();
            } catch (IOException e) {
                clientGone = true;
            }
        }
    }

    @Override
    public boolean isCommitted() {
        return response.isCommitted();
    }

    @Override
    public void reset() {
        if (errorHeld) {
            return;
        }
        response.reset();
        resetHeld();
    }

    @Override
    public void resetBuffer() {
        if (errorHeld) {
            return;
        }
        response.resetBuffer();
        resetHeld();
    }

    private void resetHeld() {
        if (held != null) {
            flushWriter();
            held.reset();
        }
    }

    @Override
    public void setContentLength(int length) {
        if (held == null && !errorHeld) {
            response.setContentLength(length);
        }
    }

    @Override
    public void setContentLengthLong(long length) {
        if (held == null && !errorHeld) {
            response.setContentLengthLong(length);
        }
    }

    @Override
    public void setHeader(String name, @Nullable String value) {
        if (!errorHeld && (held == null || !"content-length".equalsIgnoreCase(name))) {
            response.setHeader(name, value);
        }
    }

    @Override
    public void addHeader(String name, @Nullable String value) {
        if (!errorHeld && (held == null || !"content-length".equalsIgnoreCase(name))) {
            response.addHeader(name, value);
        }
    }

    @Override
    public void setIntHeader(String name, int value) {
        if (!errorHeld && (held == null || !"content-length".equalsIgnoreCase(name))) {
            response.setIntHeader(name, value);
        }
    }

    @Override
    public void addIntHeader(String name, int value) {
        if (!errorHeld && (held == null || !"content-length".equalsIgnoreCase(name))) {
            response.addIntHeader(name, value);
        }
    }

    @Override
    public void setStatus(int status) {
        if (!errorHeld) {
            super.setStatus(status);
        }
    }

    @Override
    public void setContentType(@Nullable String type) {
        if (!errorHeld) {
            super.setContentType(type);
        }
    }

    @Override
    public void setCharacterEncoding(@Nullable String encoding) {
        if (!errorHeld) {
            super.setCharacterEncoding(encoding);
        }
    }

    @Override
    public void setDateHeader(String name, long date) {
        if (!errorHeld) {
            super.setDateHeader(name, date);
        }
    }

    @Override
    public void addDateHeader(String name, long date) {
        if (!errorHeld) {
            super.addDateHeader(name, date);
        }
    }

    @Override
    public void setLocale(Locale locale) {
        if (errorHeld) {
            return;
        }
        super.setLocale(locale);
        if (locale != null && !response.isCommitted()) {
            // What a LocaleResolver (i18n) says, as a header: the container keeps it aside, beyond what is stored.
            response.setHeader("Content-Language", locale.toLanguageTag());
        }
    }

    /**
     * A redirect (a {@code redirect:} view, {@code RedirectView}): while the body is held, its status and
     * {@code Location} (as given, relative or not) are set here rather than committed, so that it is stored and
     * replayed like any response.
     */
    @Override
    public void sendRedirect(String location, int status, boolean clearBuffer) throws IOException {
        if (errorHeld) {
            return;
        }
        if (held == null || response.isCommitted()) {
            response.sendRedirect(location, status, clearBuffer);
            return;
        }
        if (clearBuffer) {
            resetHeld();
        }
        response.setStatus(status);
        response.setHeader("Location", location);
    }

    @Override
    public void sendRedirect(String location) throws IOException {
        sendRedirect(location, HttpServletResponse.SC_FOUND, true);
    }

    @Override
    public void sendRedirect(String location, int status) throws IOException {
        sendRedirect(location, status, true);
    }

    @Override
    public void sendRedirect(String location, boolean clearBuffer) throws IOException {
        sendRedirect(location, HttpServletResponse.SC_FOUND, clearBuffer);
    }

    /**
     * An error status (what Spring sends for {@code @ResponseStatus(reason = ...)} or a failed response): while
     * the body is held, it is answered here as a problem detail, so that it can be stored and replayed like any
     * response; once passing through, the container renders it as usual.
     */
    @Override
    public void sendError(int status, @Nullable String message) throws IOException {
        if (errorHeld) {
            return;
        }
        if (held == null || response.isCommitted()) {
            errorSent = true;
            response.sendError(status, message);
            return;
        }
        resetHeld();
        response.setStatus(status);
        response.setContentType("application/problem+json");
        HttpStatus known = HttpStatus.resolve(status);
        StringBuilder json = new StringBuilder(128).append('{');
        if (message != null && !message.isEmpty()) {
            json.append("\"detail\":").append(quote(message)).append(',');
        }
        if (instance != null) {
            json.append("\"instance\":").append(quote(instance)).append(',');
        }
        json.append("\"status\":").append(status).append(",\"title\":")
                .append(quote(known == null ? "Error" : known.getReasonPhrase())).append('}');
        byte[] bytes = json.toString().getBytes(StandardCharsets.UTF_8);
        write(bytes, 0, bytes.length);
        // As the container after sendError: later writes, header changes and errors are ignored.
        errorHeld = true;
    }

    @Override
    public void sendError(int status) throws IOException {
        sendError(status, null);
    }

    private static String quote(String text) {
        StringBuilder quoted = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                quoted.append('\\').append(c);
            } else if (c < 0x20) {
                quoted.append(String.format("\\u%04x", (int) c));
            } else {
                quoted.append(c);
            }
        }
        return quoted.append('"').toString();
    }
}

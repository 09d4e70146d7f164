package dev.idempotency.spring.web;

import java.util.Enumeration;

import org.jspecify.annotations.Nullable;

import dev.idempotency.IdempotencyKeyException;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Reads the key of a request's {@code Idempotency-Key} header: an RFC 8941 sf-string ({@code "8e03978e-..."}), as the
 * IETF draft defines it, or the unquoted form most clients send ({@code 8e03978e-...}); both give the same key. At
 * most {@link IdempotencyWebConfig#MAX_KEY_LENGTH} characters of printable ASCII, one header field, no parameters.
 */
final class KeyHeader {

    private KeyHeader() {
    }

    /**
     * The key, or {@code null} when the request has no such header.
     *
     * @throws InvalidKeyException when the header is malformed, empty, too long or repeated
     */
    static @Nullable String read(HttpServletRequest request, String headerName, String namespace) {
        Enumeration<String> values = request.getHeaders(headerName);
        if (values == null || !values.hasMoreElements()) {
            return null;
        }
        String value = values.nextElement();
        if (values.hasMoreElements()) {
            throw new InvalidKeyException(namespace, "The request has more than one " + headerName + " header.");
        }
        return parse(value, headerName, namespace);
    }

    static String parse(String raw, String headerName, String namespace) {
        String value = raw.strip();
        if (value.isEmpty()) {
            throw invalid(namespace, headerName, "is empty");
        }
        String key = value.charAt(0) == '"' ? sfString(value, headerName, namespace) : token(value, headerName,
                namespace);
        if (key.isEmpty()) {
            throw invalid(namespace, headerName, "is an empty string");
        }
        if (key.length() > IdempotencyWebConfig.MAX_KEY_LENGTH) {
            throw invalid(namespace, headerName, "is " + key.length() + " characters long, more than the "
                    + IdempotencyWebConfig.MAX_KEY_LENGTH + " allowed");
        }
        return key;
    }

    /** RFC 8941 section 4.2.5: printable ASCII between quotes, with {@code \"} and {@code \\} escapes only. */
    private static String sfString(String value, String headerName, String namespace) {
        StringBuilder key = new StringBuilder(value.length());
        for (int i = 1; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\') {
                if (i + 1 == value.length() || (value.charAt(i + 1) != '"' && value.charAt(i + 1) != '\\')) {
                    throw invalid(namespace, headerName, "has an escape other than \\\" or \\\\");
                }
                key.append(value.charAt(++i));
            } else if (c == '"') {
                if (i + 1 != value.length()) {
                    throw invalid(namespace, headerName, "has something after its closing quote (parameters and"
                            + " lists are not accepted)");
                }
                return key.toString();
            } else if (c < 0x20 || c > 0x7e) {
                throw invalid(namespace, headerName, "has a character that is not printable ASCII");
            } else {
                key.append(c);
            }
        }
        throw invalid(namespace, headerName, "has no closing quote");
    }

    /** The unquoted form: visible ASCII without quotes, backslashes, commas or semicolons (no lists, no parameters). */
    private static String token(String value, String headerName, String namespace) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c <= 0x20 || c > 0x7e || c == '"' || c == '\\' || c == ',' || c == ';') {
                throw invalid(namespace, headerName, "has a character that an unquoted key cannot hold (spaces,"
                        + " quotes, backslashes, commas, semicolons, non-ASCII); send it as a quoted string");
            }
        }
        return value;
    }

    private static InvalidKeyException invalid(String namespace, String headerName, String why) {
        return new InvalidKeyException(namespace, "The " + headerName + " header " + why + ". Send a string of 1"
                + " to " + IdempotencyWebConfig.MAX_KEY_LENGTH + " printable ASCII characters, such as "
                + headerName + ": \"8e03978e-40d5-43e8-bc93-6894a57f9324\".");
    }

    /**
     * The key text the engine hashes: the scope and the key, in a form in which no two (scope, key) pairs meet, so
     * that no caller can reach another's record by choosing a key that looks like a scope.
     */
    static String scoped(@Nullable String scope, String key) {
        return scope == null ? "-:" + key : scope.length() + ":" + scope + ":" + key;
    }

    /** A malformed header: its message is meant for the client (it names no method, key or record). */
    static final class InvalidKeyException extends IdempotencyKeyException {

        private static final long serialVersionUID = 1L;

        InvalidKeyException(String namespace, String message) {
            super(namespace, message, null);
        }
    }
}

package dev.idempotency.internal;

import java.io.OutputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.SerializationFeature;

/**
 * Turns keys and payloads into stable text so that equal requests hash alike: properties and map entries in sorted
 * order, whatever order the objects or maps were built in.
 */
final class CanonicalForm {

    /** The fingerprint of a call that gave no payload: every such call matches every other. */
    static final String NO_PAYLOAD = "-";

    private final ObjectMapper mapper;

    CanonicalForm(ObjectMapper base) {
        this.mapper = base.rebuild()
                .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .build();
    }

    /** The key as text, or {@code null} when there is none (null, blank, empty {@code Optional}). */
    @Nullable String key(@Nullable Object key) {
        if (key instanceof Optional<?> optional) {
            key = optional.orElse(null);
        }
        if (key == null) {
            return null;
        }
        String text;
        if (key instanceof CharSequence || key instanceof Number || key instanceof Boolean
                || key instanceof Character || key instanceof UUID || key instanceof Enum<?>) {
            text = key.toString();
        } else {
            text = mapper.writeValueAsString(key);
        }
        return text.isBlank() ? null : text;
    }

    /** The SHA-256 of the payload's canonical JSON, or {@link #NO_PAYLOAD}. */
    String fingerprint(@Nullable Object payload) {
        if (payload == null) {
            return NO_PAYLOAD;
        }
        MessageDigest digest = Hashing.sha256Digest();
        // Streamed into the digest, so a large payload is hashed without a copy.
        mapper.writeValue(new DigestOutputStream(OutputStream.nullOutputStream(), digest), payload);
        return Hashing.hex(digest);
    }

    ObjectMapper mapper() {
        return mapper;
    }
}

package dev.idempotency.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 as lowercase hex; one digest per thread, since creating one costs more than hashing a short key. */
final class Hashing {

    private static final HexFormat HEX = HexFormat.of();
    private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must support SHA-256", e);
        }
    });

    private Hashing() {
    }

    static String sha256(String text) {
        return HEX.formatHex(sha256Digest().digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** This thread's SHA-256 digest, reset; finish it with {@link #hex(MessageDigest)}. */
    static MessageDigest sha256Digest() {
        MessageDigest digest = SHA_256.get();
        digest.reset();
        return digest;
    }

    static String hex(MessageDigest digest) {
        return HEX.formatHex(digest.digest());
    }
}

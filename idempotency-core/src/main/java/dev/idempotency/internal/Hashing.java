package dev.idempotency.internal;

import java.io.OutputStream;
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
        return sha256(text.getBytes(StandardCharsets.UTF_8));
    }

    static String sha256(byte[] bytes) {
        return HEX.formatHex(sha256Digest().digest(bytes));
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

    /** A stream that hashes what is written to it, so large payloads are hashed without a copy. */
    static final class DigestStream extends OutputStream {

        private final MessageDigest digest;

        DigestStream(MessageDigest digest) {
            this.digest = digest;
        }

        @Override
        public void write(int b) {
            digest.update((byte) b);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            digest.update(bytes, offset, length);
        }
    }
}

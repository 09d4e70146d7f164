package dev.idempotency.testing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The record id hash, computed independently of the engine so tests can find records by raw key. */
public final class Hashes {

    private Hashes() {
    }

    /** SHA-256 of the UTF-8 text, as lowercase hex: what follows {@code namespace#} in a record id. */
    public static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}

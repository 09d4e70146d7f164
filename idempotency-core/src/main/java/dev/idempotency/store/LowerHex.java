package dev.idempotency.store;

/** The engine's hex digits: SHA-256 hashes as 64 lower-case digits, as the in-memory store recognises them. */
final class LowerHex {

    /** Digits in a SHA-256 hash. */
    static final int SHA256_DIGITS = 64;

    private LowerHex() {
    }

    /** Whether {@code text} holds only lower-case hex digits from {@code from} up to {@code to}. */
    static boolean isLowerHex(String text, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
                return false;
            }
        }
        return true;
    }
}

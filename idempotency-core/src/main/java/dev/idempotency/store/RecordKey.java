package dev.idempotency.store;

import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A record id as {@link InMemoryIdempotencyStore} keys its map. The engine's ids, {@code namespace#<64 hex
 * digits>}, are packed into the namespace (one shared string per namespace) and four longs, about half the memory of
 * the id's own string; any other id is kept as given.
 */
final class RecordKey {

    private static final int HASH_LENGTH = 64;
    /** Beyond this many namespaces, new ones are no longer shared: a store must not grow a table without bound. */
    private static final int MAX_SHARED_NAMESPACES = 10_000;

    private final String text;
    private final boolean packed;
    private final long hash0;
    private final long hash1;
    private final long hash2;
    private final long hash3;

    private RecordKey(String text, boolean packed, long hash0, long hash1, long hash2, long hash3) {
        this.text = text;
        this.packed = packed;
        this.hash0 = hash0;
        this.hash1 = hash1;
        this.hash2 = hash2;
        this.hash3 = hash3;
    }

    /** Packs ids; keeps one string per namespace, shared by all its records. */
    static final class Packer {

        private final ConcurrentMap<String, String> namespaces = new ConcurrentHashMap<>();
        /** The namespace met last: most calls in a row share one, found without cutting it out of the id. */
        private volatile String lastNamespace = "";

        RecordKey pack(String id) {
            int separator = id.length() - HASH_LENGTH - 1;
            if (separator < 0 || id.charAt(separator) != '#' || !isLowerHex(id, separator + 1, id.length())) {
                return new RecordKey(id, false, 0, 0, 0, 0);
            }
            int from = separator + 1;
            return new RecordKey(namespace(id, separator), true,
                    HexFormat.fromHexDigitsToLong(id, from, from + 16),
                    HexFormat.fromHexDigitsToLong(id, from + 16, from + 32),
                    HexFormat.fromHexDigitsToLong(id, from + 32, from + 48),
                    HexFormat.fromHexDigitsToLong(id, from + 48, from + 64));
        }

        private String namespace(String id, int length) {
            String last = lastNamespace;
            if (last.length() == length && id.startsWith(last)) {
                return last;
            }
            String namespace = id.substring(0, length);
            String shared = namespaces.get(namespace);
            if (shared == null && namespaces.size() < MAX_SHARED_NAMESPACES) {
                shared = namespaces.putIfAbsent(namespace, namespace);
                shared = shared == null ? namespace : shared;
            }
            if (shared == null) {
                return namespace;
            }
            lastNamespace = shared;
            return shared;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RecordKey other
                && packed == other.packed
                && hash0 == other.hash0 && hash1 == other.hash1 && hash2 == other.hash2 && hash3 == other.hash3
                && text.equals(other.text);
    }

    @Override
    public int hashCode() {
        // The packed longs are a SHA-256: any of their bits are as good a hash as all of them.
        return packed ? (int) hash0 * 31 + text.hashCode() : text.hashCode();
    }

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

package dev.idempotency.store;

import static dev.idempotency.store.LowerHex.SHA256_DIGITS;
import static dev.idempotency.store.LowerHex.isLowerHex;

import java.util.Comparator;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A record id as {@link InMemoryIdempotencyStore} keys its map. The engine's ids, {@code namespace#<64 hex
 * digits>}, are packed into the namespace (one shared string per namespace) and four longs, about half the memory of
 * the id's own string; any other id is kept as given.
 */
final class RecordKey implements Comparable<RecordKey> {

    /** Beyond this many namespaces, new ones are no longer shared: a store must not grow a table without bound. */
    static final int MAX_SHARED_NAMESPACES = 10_000;

    /** Orders keys whose hashes collide, so that the map's tree bins stay logarithmic, as with string keys. */
    private static final Comparator<RecordKey> ORDER = Comparator.<RecordKey, Boolean>comparing(k -> k.packed)
            .thenComparing(k -> k.namespaceOrId)
            .thenComparingLong(k -> k.hash0).thenComparingLong(k -> k.hash1)
            .thenComparingLong(k -> k.hash2).thenComparingLong(k -> k.hash3);

    /** The namespace of a packed id; the whole id otherwise. */
    private final String namespaceOrId;
    private final boolean packed;
    private final long hash0;
    private final long hash1;
    private final long hash2;
    private final long hash3;

    private RecordKey(String namespaceOrId, boolean packed, long hash0, long hash1, long hash2, long hash3) {
        this.namespaceOrId = namespaceOrId;
        this.packed = packed;
        this.hash0 = hash0;
        this.hash1 = hash1;
        this.hash2 = hash2;
        this.hash3 = hash3;
    }

    /** Packs ids; keeps one string per namespace that records were claimed in, shared by all its records. */
    static final class Packer {

        private final ConcurrentMap<String, String> namespaces = new ConcurrentHashMap<>();
        /**
         * The namespace shared last: most calls in a row share one, found without cutting it out of the id. Plain, not
         * volatile: a string is safe to read from any thread, and a stale value only means a slower lookup.
         */
        private String lastNamespace = "";

        /** The key of a record being claimed: its namespace is shared from now on. */
        RecordKey forClaim(String id) {
            return pack(id, true);
        }

        /** The key to look a record up by: a namespace nobody claimed in is not remembered. */
        RecordKey forLookup(String id) {
            return pack(id, false);
        }

        private RecordKey pack(String id, boolean share) {
            int separator = id.length() - SHA256_DIGITS - 1;
            if (separator < 0 || id.charAt(separator) != '#' || !isLowerHex(id, separator + 1, id.length())) {
                return new RecordKey(id, false, 0, 0, 0, 0);
            }
            int from = separator + 1;
            return new RecordKey(namespace(id, separator, share), true,
                    HexFormat.fromHexDigitsToLong(id, from, from + 16),
                    HexFormat.fromHexDigitsToLong(id, from + 16, from + 32),
                    HexFormat.fromHexDigitsToLong(id, from + 32, from + 48),
                    HexFormat.fromHexDigitsToLong(id, from + 48, from + 64));
        }

        private String namespace(String id, int length, boolean share) {
            String last = lastNamespace;
            if (last.length() == length && id.startsWith(last)) {
                return last;
            }
            String namespace = id.substring(0, length);
            String shared = namespaces.get(namespace);
            if (shared == null && share && namespaces.size() < MAX_SHARED_NAMESPACES) {
                String earlier = namespaces.putIfAbsent(namespace, namespace);
                shared = earlier == null ? namespace : earlier;
            }
            if (shared == null) {
                return namespace;
            }
            lastNamespace = shared;
            return shared;
        }
    }

    @Override
    public int compareTo(RecordKey other) {
        return ORDER.compare(this, other);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RecordKey other
                && packed == other.packed
                && hash0 == other.hash0 && hash1 == other.hash1 && hash2 == other.hash2 && hash3 == other.hash3
                && namespaceOrId.equals(other.namespaceOrId);
    }

    @Override
    public int hashCode() {
        // The packed longs are a SHA-256: any of their bits are as good a hash as all of them.
        return packed ? (int) hash0 * 31 + namespaceOrId.hashCode() : namespaceOrId.hashCode();
    }
}

package dev.idempotency.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Lua scripts of claim, complete and release: each reads and writes one key, so each is atomic and runs on the
 * node that owns the key (Redis Cluster included). They read the packed record of {@link RecordCodec} at fixed
 * places with Redis's {@code struct} library, and decide only with the times they are given (the engine's clock),
 * never with Redis's {@code TIME}.
 *
 * <p>Native expiry keeps memory bounded, and is measured in durations from the engine's own times, so that the two
 * clocks need not agree: a claim lives {@code expiresAt - now} on Redis's clock, and a completion moves that expiry
 * by the difference between the two records' {@code expiresAt}. A record that is expired by its stored time but not
 * yet deleted is claimed over, as in every store.
 */
final class Scripts {

    /**
     * Reads the header of the record {@code v}: its format and status byte, its flags, its expiry in epoch ms, and
     * where its claim token starts. Fails (a Lua error, caught with pcall) on a value shorter than that.
     */
    private static final String HEADER = """
            local function header(v)
              local head, flags, expires = struct.unpack('>BBi8', v)
              local pos, lease, expiresSub, leaseSub = 11, nil, 0, 0
              if flags % 2 == 1 then
                lease = struct.unpack('>i8', v, pos)
                pos = pos + 8
              end
              if math.floor(flags / 4) % 2 == 1 then
                expiresSub = struct.unpack('>i4', v, pos)
                pos = pos + 4
                if lease then
                  leaseSub = struct.unpack('>i4', v, pos)
                  pos = pos + 4
                end
              end
              return head, expires, expiresSub, lease, leaseSub, pos
            end
            """;

    /**
     * KEYS[1] the record's key; ARGV[1] the packed IN_PROGRESS record, ARGV[2] now in epoch ms, ARGV[3] now's
     * nanoseconds within that ms, ARGV[4] the milliseconds until its expiresAt (at least 1). Writes the record and
     * returns nil when the key is free (no record, an expired one, or an IN_PROGRESS one whose lease ran out);
     * otherwise returns the record that stands in the way, and writes nothing. A value of another format is returned
     * as it is, never overwritten.
     */
    static final Script CLAIM = new Script("claim", HEADER + """
            local v = redis.call('GET', KEYS[1])
            if v then
              local ok, head, expires, expiresSub, lease, leaseSub = pcall(header, v)
              if not ok or math.floor(head / 16) ~= 1 then
                return v
              end
              local now, nowSub = tonumber(ARGV[2]), tonumber(ARGV[3])
              local function reached(t, tSub)
                return t < now or (t == now and tSub <= nowSub)
              end
              if not (reached(expires, expiresSub) or (head == 16 and lease and reached(lease, leaseSub))) then
                return v
              end
            end
            redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
            return false
            """);

    /**
     * Whether the record {@code v} is IN_PROGRESS in this format and carries the claim token {@code token} (as
     * {@link RecordCodec#token} encodes it, self-delimiting, so a prefix match is an exact match); and its expiry.
     */
    private static final String OWNED = HEADER + """
            local function owned(v, token)
              local ok, head, expires, expiresSub, lease, leaseSub, pos = pcall(header, v)
              if not ok or head ~= 16 then
                return nil
              end
              if string.sub(v, pos, pos + string.len(token) - 1) ~= token then
                return nil
              end
              return expires
            end
            """;

    /**
     * KEYS[1] the record's key; ARGV[1] the packed finished record, ARGV[2] the claim token as the record holds it.
     * Replaces the record and returns 1 only while it is IN_PROGRESS with that token; else returns 0.
     */
    static final Script COMPLETE = new Script("complete", OWNED + """
            local v = redis.call('GET', KEYS[1])
            if not v then
              return 0
            end
            local expires = owned(v, ARGV[2])
            if not expires then
              return 0
            end
            local ttl = redis.call('PTTL', KEYS[1])
            if ttl < 0 then
              redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
              return 1
            end
            ttl = ttl + struct.unpack('>i8', ARGV[1], 3) - expires
            if ttl < 1 then
              ttl = 1
            end
            redis.call('SET', KEYS[1], ARGV[1], 'PX', string.format('%d', ttl))
            return 1
            """);

    /**
     * KEYS[1] the record's key; ARGV[1] the claim token as the record holds it. Deletes the record and returns 1 only
     * while it is IN_PROGRESS with that token; else returns 0.
     */
    static final Script RELEASE = new Script("release", OWNED + """
            local v = redis.call('GET', KEYS[1])
            if not v or not owned(v, ARGV[1]) then
              return 0
            end
            redis.call('DEL', KEYS[1])
            return 1
            """);

    private Scripts() {
    }

    /** A script and its SHA-1, as Redis names it in {@code EVALSHA}: computed here, so loading needs no request. */
    record Script(String name, String text, byte[] bytes, String sha1) {

        Script(String name, String text) {
            this(name, text, text.getBytes(StandardCharsets.UTF_8), sha1(text));
        }

        private static String sha1(String text) {
            try {
                return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                        .digest(text.getBytes(StandardCharsets.UTF_8)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("the JDK has no SHA-1", e);
            }
        }
    }
}

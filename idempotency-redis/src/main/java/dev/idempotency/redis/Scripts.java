package dev.idempotency.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Lua scripts of claim, complete and release: each reads and writes one key, so each is atomic and runs on the
 * node that owns the key (Redis Cluster included). They read the packed record of {@link RecordCodec} with Redis's
 * {@code struct} library, checking it whole first (format, status, flags and every length), so that a value of
 * other code under the prefix is never taken for a record, and decide only with the times they are given (the
 * engine's clock), never with Redis's {@code TIME}.
 *
 * <p>Native expiry keeps memory bounded, and is measured in durations from the engine's own times, so that the two
 * clocks need not agree: a claim lives {@code expiresAt - now} on Redis's clock, and a completion moves that expiry
 * by the difference between the two records' {@code expiresAt}. A record that is expired by its stored time but not
 * yet deleted is claimed over, as in every store.
 */
final class Scripts {

    /**
     * Reads the record {@code v} whole, as {@link RecordCodec#unpack} does: its format and status byte, its flags, its
     * times, and the forms and lengths of its claim token and fingerprint, which must end where the value does unless
     * a result follows. Returns its status byte, expiry (epoch ms and the ns within it), lease (nil without one) and
     * where its claim token starts; or nil and what is wrong, for a value that is not a record of this format.
     */
    private static final String PARSE = """
            local function field(v, pos, n, size)
              local kind = string.byte(v, pos)
              if kind == 0 then
                if pos + size <= n then
                  return pos + 1 + size
                end
              elseif kind == 1 and pos + 4 <= n then
                local len = struct.unpack('>i4', v, pos + 1)
                if len >= 0 and pos + 4 + len <= n then
                  return pos + 5 + len
                end
              end
              return nil
            end
            local function parse(v)
              local n = string.len(v)
              if n < 12 then
                return nil, 'it is ' .. n .. ' bytes, too short for a record'
              end
              local head, flags = string.byte(v, 1, 2)
              if math.floor(head / 16) ~= 1 then
                return nil, string.format('its first byte is 0x%02x, not a record of format 1', head)
              end
              if head % 16 > 2 or flags > 7 then
                return nil, string.format('its status or flags (0x%02x%02x) are unknown', head, flags)
              end
              local hasLease, hasResult = flags % 2 == 1, math.floor(flags / 2) % 2 == 1
              local hasSub = math.floor(flags / 4) % 2 == 1
              local fixed = 10 + (hasLease and 8 or 0) + (hasSub and (hasLease and 8 or 4) or 0)
              if n < fixed + 2 then
                return nil, 'it ends before its fields do'
              end
              local expires = struct.unpack('>i8', v, 3)
              local pos, lease, expiresSub, leaseSub = 11, nil, 0, 0
              if hasLease then
                lease = struct.unpack('>i8', v, pos)
                pos = pos + 8
              end
              if hasSub then
                expiresSub = struct.unpack('>i4', v, pos)
                pos = pos + 4
                if hasLease then
                  leaseSub = struct.unpack('>i4', v, pos)
                  pos = pos + 4
                end
                if expiresSub < 0 or expiresSub >= 1000000 or leaseSub < 0 or leaseSub >= 1000000 then
                  return nil, 'its sub-millisecond parts are out of range'
                end
              end
              local tokenAt = pos
              pos = field(v, pos, n, 16)
              if not pos then
                return nil, 'its claim token has an unknown form, or is longer than the record'
              end
              pos = field(v, pos, n, 32)
              if not pos then
                return nil, 'its fingerprint has an unknown form, or is longer than the record'
              end
              if not hasResult and pos <= n then
                return nil, (n - pos + 1) .. ' bytes follow a record without a result'
              end
              return head, expires, expiresSub, lease, leaseSub, tokenAt
            end
            """;

    /** The start of the error a script answers for a value that is not a record: {@code NOTARECORD <why>}. */
    static final String NOT_A_RECORD = "NOTARECORD ";

    /**
     * KEYS[1] the record's key; ARGV[1] the packed IN_PROGRESS record, ARGV[2] now in epoch ms, ARGV[3] now's
     * nanoseconds within that ms, ARGV[4] the milliseconds until its expiresAt (at least 1). Writes the record and
     * returns nil when the key is free (no record, an expired one, or an IN_PROGRESS one whose lease ran out);
     * otherwise returns the record that stands in the way, and writes nothing. A value that is not a whole record
     * of this format is never overwritten: the script answers the error {@code NOTARECORD} and what is wrong.
     */
    static final Script CLAIM = new Script("claim", PARSE + """
            local v = redis.call('GET', KEYS[1])
            if v then
              local ok, head, expires, expiresSub, lease, leaseSub = pcall(parse, v)
              if not ok then
                return redis.error_reply('NOTARECORD it cannot be read as a record')
              end
              if not head then
                return redis.error_reply('NOTARECORD ' .. expires)
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
     * Whether the record {@code v} is a whole IN_PROGRESS record of this format and carries the claim token
     * {@code token} (as {@link RecordCodec#token} encodes it, self-delimiting, so a prefix match is an exact match);
     * and its expiry.
     */
    private static final String OWNED = PARSE + """
            local function owned(v, token)
              local ok, head, expires, expiresSub, lease, leaseSub, pos = pcall(parse, v)
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

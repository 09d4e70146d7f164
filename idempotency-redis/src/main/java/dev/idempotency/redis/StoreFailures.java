package dev.idempotency.redis;

import java.util.Locale;

import dev.idempotency.IdempotencyStoreException;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;

/**
 * Turns what Lettuce throws into {@link IdempotencyStoreException}s that name the server (host and port, never a
 * password), the command, and what to do. Messages carry Redis's error text, never keys or results.
 */
final class StoreFailures {

    private final RedisLink link;
    private final String keyPrefix;

    StoreFailures(RedisLink link, String keyPrefix) {
        this.link = link;
        this.keyPrefix = keyPrefix;
    }

    /**
     * @param action  what the store was doing, as in "failed to {action}": {@code "claim a record"}
     * @param command the Redis command that failed: {@code "EVALSHA (claim)"}
     */
    IdempotencyStoreException translate(String action, String command, RuntimeException e) {
        String failed = "Failed to " + action + ": ";
        String where = link.where();
        if (link.isClosed() && !(e instanceof RedisCommandExecutionException)) {
            // Whatever the client throws once the store is closed (a RedisException, a cancelled or refused
            // connect, or Netty's IllegalStateException from a timer stopped under a command sent just before
            // close()) means that; only an error Redis answered says more.
            return new IdempotencyStoreException(failed + "the store is closed.", e);
        }
        if (e instanceof RedisConnectionException) {
            return new IdempotencyStoreException(failed + "could not connect to " + where + " (" + message(e)
                    + "). Check that Redis runs there, the URI (host, port, rediss:// for TLS, user and password)"
                    + " and the network.", e);
        }
        if (e instanceof RedisCommandTimeoutException) {
            return new IdempotencyStoreException(failed + where + " did not answer " + command + " within "
                    + link.timeout().toMillis() + " ms (the client's timeout). Check that Redis is up and not"
                    + " overloaded (SLOWLOG, LATENCY), and the network.", e);
        }
        if (e instanceof RedisCommandExecutionException) {
            String text = message(e);
            String code = text.split(" ", 2)[0].toUpperCase(Locale.ROOT);
            String rejected = failed + where + " rejected " + command + " (" + text + "). ";
            return new IdempotencyStoreException(rejected + switch (code) {
                case "READONLY" -> "It is a read-only replica: point the store at the primary (or use Sentinel or"
                        + " the cluster client, which find it).";
                case "OOM" -> "It reached maxmemory: raise it, or keep fewer or smaller records (ttl,"
                        + " maxResultBytes). Keep maxmemory-policy at noeviction: an evicted record lets its"
                        + " duplicates run again.";
                case "WRONGTYPE" -> "A key under the prefix '" + keyPrefix + "' holds another type of value: another"
                        + " application writes there. Give the store a keyPrefix of its own.";
                case "NOAUTH", "WRONGPASS" -> "Check the user and password of the client (in the URI).";
                case "NOPERM" -> "The user's ACL must allow EVALSHA, EVAL and GET, and in scripts GET, SET, PTTL"
                        + " and DEL, on the keys ~" + keyPrefix + "*.";
                case "LOADING" -> "It is loading its data set after a start: retry in a moment.";
                case "BUSY" -> "It is busy running a long script: see SCRIPT KILL, or wait.";
                case "CLUSTERDOWN", "MASTERDOWN", "TRYAGAIN" -> "The cluster cannot serve the key now: check its"
                        + " state (CLUSTER INFO) and retry.";
                default -> "Check the server's version (Redis 6.2+ or Valkey) and its log.";
            }, e);
        }
        return new IdempotencyStoreException(failed + command + " to " + where + " failed (" + message(e) + "). Check"
                + " that Redis is up and reachable; the client reconnects by itself.", e);
    }

    /**
     * A value under the store's prefix that is not a record of its format: another application's, or damaged. Names
     * the key as the store keeps it, {@code prefix + namespace#hash}: by the hash of the call's key, never the key.
     */
    IdempotencyStoreException notARecord(String action, String key, String reason, Throwable cause) {
        return new IdempotencyStoreException("Failed to " + action + ": the key " + key + " on " + link.where()
                + " holds a value that is not an idempotency record (" + reason + "). Another application writes"
                + " under the store's key prefix '" + keyPrefix + "', or the value is damaged. The store never"
                + " overwrites it: give the store a keyPrefix of its own, or delete the key if nothing else uses it.",
                cause);
    }

    private static String message(Throwable e) {
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : message;
    }
}

package dev.idempotency.redis.spring;

import java.time.Duration;

import org.jspecify.annotations.Nullable;
import org.springframework.util.ClassUtils;

import dev.idempotency.redis.RedisIdempotencyStore;
import dev.idempotency.spring.IdempotencyStoreProvider;
import dev.idempotency.spring.IdempotencyStoreProviderContext;
import dev.idempotency.store.IdempotencyStore;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.cluster.RedisClusterClient;

/**
 * {@code idempotency.store.type=redis} in Spring, from the {@code idempotency.redis.*} properties: the store on the
 * application's Lettuce client bean ({@link RedisClient} or {@link RedisClusterClient}), else on the client of
 * Spring Data Redis's {@code LettuceConnectionFactory} bean, else on a client made from
 * {@code idempotency.redis.uri}. Found through this module's {@code META-INF/spring.factories}; applications do not
 * use it directly.
 */
public final class RedisStoreProvider implements IdempotencyStoreProvider {

    static final String URI = "idempotency.redis.uri";
    static final String KEY_PREFIX = "idempotency.redis.key-prefix";
    static final String TIMEOUT = "idempotency.redis.timeout";
    static final String MAX_RESULT_BYTES = "idempotency.redis.max-result-bytes";

    private static final String LETTUCE_CONNECTION_FACTORY =
            "org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory";

    @Override
    public String type() {
        return "redis";
    }

    /**
     * The store on the first client found (then {@code uri} and {@code timeout} are not read); the store's own
     * connection, and the client made from the URI, close with the context.
     */
    @Override
    public IdempotencyStore create(IdempotencyStoreProviderContext context) {
        RedisIdempotencyStore.Builder builder = RedisIdempotencyStore.builder();
        String keyPrefix = context.text(KEY_PREFIX);
        if (keyPrefix != null) {
            builder.keyPrefix(keyPrefix);
        }
        int maxResultBytes = context.positiveInt(MAX_RESULT_BYTES, RedisIdempotencyStore.DEFAULT_MAX_RESULT_BYTES);
        if (maxResultBytes > RedisIdempotencyStore.MAX_RESULT_BYTES) {
            throw IdempotencyStoreProviderContext.invalid(MAX_RESULT_BYTES, maxResultBytes,
                    "at most " + RedisIdempotencyStore.MAX_RESULT_BYTES);
        }
        builder.maxResultBytes(maxResultBytes);
        AbstractRedisClient client = applicationClient(context);
        if (client instanceof RedisClusterClient cluster) {
            builder.client(cluster);
        } else if (client instanceof RedisClient standalone) {
            builder.client(standalone);
        } else {
            fromUri(context, builder);
        }
        RedisIdempotencyStore store = builder.build();
        context.closeOnShutdown(store);
        return store;
    }

    private static @Nullable AbstractRedisClient applicationClient(IdempotencyStoreProviderContext context) {
        RedisClient standalone = context.beans(RedisClient.class).getIfAvailable();
        if (standalone != null) {
            return standalone;
        }
        RedisClusterClient cluster = context.beans(RedisClusterClient.class).getIfAvailable();
        if (cluster != null) {
            return cluster;
        }
        if (ClassUtils.isPresent(LETTUCE_CONNECTION_FACTORY, RedisStoreProvider.class.getClassLoader())) {
            return SpringDataRedis.client(context);
        }
        return null;
    }

    private static void fromUri(IdempotencyStoreProviderContext context, RedisIdempotencyStore.Builder builder) {
        String uri = context.text(URI);
        if (uri == null) {
            throw new IllegalStateException("Missing property " + URI + ": it is required with"
                    + " idempotency.store.type=redis, unless the application has a RedisClient or RedisClusterClient"
                    + " bean, or Spring Data Redis's LettuceConnectionFactory");
        }
        try {
            builder.uri(uri);
        } catch (IllegalArgumentException e) {
            throw IdempotencyStoreProviderContext.invalid(URI, redact(uri),
                    "a Redis URI such as redis://localhost:6379, rediss://user:password@host:6380/0 or"
                            + " redis-sentinel://host:26379#mymaster");
        }
        Duration timeout = context.duration(TIMEOUT);
        builder.timeout(timeout != null ? timeout : RedisIdempotencyStore.DEFAULT_TIMEOUT);
    }

    /**
     * A URI with its user and password masked, for messages: everything between the scheme and the last {@code @},
     * so that a password holding {@code / ? # @} is masked whole too.
     */
    static String redact(String uri) {
        int at = uri.lastIndexOf('@');
        if (at < 0) {
            return uri;
        }
        int scheme = uri.indexOf("://");
        int from = scheme >= 0 && scheme < at ? scheme + 3 : 0;
        return uri.substring(0, from) + "****" + uri.substring(at);
    }

    /** Touches Spring Data Redis's classes only when they are on the class path. */
    private static final class SpringDataRedis {

        static @Nullable AbstractRedisClient client(IdempotencyStoreProviderContext context) {
            org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory factory = context
                    .beans(org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory.class)
                    .getIfAvailable();
            if (factory == null) {
                return null;
            }
            if (!factory.isRunning()) {
                // Its native client exists once started; Spring would start it later in the context's refresh.
                factory.start();
            }
            return factory.getNativeClient();
        }
    }
}

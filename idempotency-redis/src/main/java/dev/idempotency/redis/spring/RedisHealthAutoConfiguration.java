package dev.idempotency.redis.spring;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;

import dev.idempotency.Idempotency;
import dev.idempotency.redis.RedisIdempotencyStore;
import dev.idempotency.store.IdempotencyStore;

/**
 * The {@code idempotency} health contributor when the engine's store is the Redis store: chosen by
 * {@code idempotency.store.type=redis} (with no store bean of the application's), or a {@link RedisIdempotencyStore}
 * bean. Needs Spring Boot's health module; off with {@code management.health.idempotency.enabled=false}, and
 * replaced by a bean of the application's named {@code idempotencyHealthIndicator}.
 */
@AutoConfiguration(afterName = "dev.idempotency.spring.boot.IdempotencyAutoConfiguration")
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(Idempotency.class)
@ConditionalOnEnabledHealthIndicator("idempotency")
@Conditional(RedisHealthAutoConfiguration.OnRedisStore.class)
public final class RedisHealthAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "idempotencyHealthIndicator")
    HealthIndicator idempotencyHealthIndicator(ObjectProvider<Idempotency> idempotency) {
        return new RedisHealthIndicator(() -> idempotency.getObject().store());
    }

    /** The store bean of the application is the Redis store, or the property chooses it. */
    static final class OnRedisStore extends AnyNestedCondition {

        OnRedisStore() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnBean(RedisIdempotencyStore.class)
        static final class StoreBean {
        }

        @ConditionalOnMissingBean(IdempotencyStore.class)
        @ConditionalOnProperty(name = "idempotency.store.type", havingValue = "redis")
        static final class StoreType {
        }
    }
}

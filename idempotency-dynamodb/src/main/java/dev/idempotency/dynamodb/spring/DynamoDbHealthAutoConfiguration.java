package dev.idempotency.dynamodb.spring;

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
import dev.idempotency.dynamodb.DynamoDbIdempotencyStore;
import dev.idempotency.store.IdempotencyStore;

/**
 * The {@code idempotency} health contributor when the engine's store is the DynamoDB store: chosen by
 * {@code idempotency.store.type=dynamodb} (with no store bean of the application's), or a
 * {@link DynamoDbIdempotencyStore} bean. Needs Spring Boot's health module; off with
 * {@code management.health.idempotency.enabled=false}, and replaced by a bean of the application's named
 * {@code idempotencyHealthIndicator}.
 */
@AutoConfiguration(afterName = "dev.idempotency.spring.boot.IdempotencyAutoConfiguration")
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(Idempotency.class)
@ConditionalOnEnabledHealthIndicator("idempotency")
@Conditional(DynamoDbHealthAutoConfiguration.OnDynamoDbStore.class)
public final class DynamoDbHealthAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "idempotencyHealthIndicator")
    HealthIndicator idempotencyHealthIndicator(ObjectProvider<Idempotency> idempotency) {
        return new DynamoDbHealthIndicator(() -> idempotency.getObject().store());
    }

    /** The store bean of the application is the DynamoDB store, or the property chooses it. */
    static final class OnDynamoDbStore extends AnyNestedCondition {

        OnDynamoDbStore() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnBean(DynamoDbIdempotencyStore.class)
        static final class StoreBean {
        }

        @ConditionalOnMissingBean(IdempotencyStore.class)
        @ConditionalOnProperty(name = "idempotency.store.type", havingValue = "dynamodb")
        static final class StoreType {
        }
    }
}

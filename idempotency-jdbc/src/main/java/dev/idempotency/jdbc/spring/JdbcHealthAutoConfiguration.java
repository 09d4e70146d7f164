package dev.idempotency.jdbc.spring;

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
import dev.idempotency.jdbc.JdbcIdempotencyStore;
import dev.idempotency.store.IdempotencyStore;

/**
 * The {@code idempotency} health contributor when the engine's store is the JDBC store: chosen by
 * {@code idempotency.store.type=jdbc} (with no store bean of the application's), or a
 * {@link JdbcIdempotencyStore} bean. Needs Spring Boot's health module; off with
 * {@code management.health.idempotency.enabled=false}, and replaced by a bean of the application's named
 * {@code idempotencyHealthIndicator}.
 */
@AutoConfiguration(afterName = "dev.idempotency.spring.boot.IdempotencyAutoConfiguration")
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(Idempotency.class)
@ConditionalOnEnabledHealthIndicator("idempotency")
@Conditional(JdbcHealthAutoConfiguration.OnJdbcStore.class)
public final class JdbcHealthAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "idempotencyHealthIndicator")
    HealthIndicator idempotencyHealthIndicator(ObjectProvider<Idempotency> idempotency) {
        return new JdbcHealthIndicator(() -> idempotency.getObject().store());
    }

    /** The store bean of the application is the JDBC store, or the property chooses it. */
    static final class OnJdbcStore extends AnyNestedCondition {

        OnJdbcStore() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnBean(JdbcIdempotencyStore.class)
        static final class StoreBean {
        }

        @ConditionalOnMissingBean(IdempotencyStore.class)
        @ConditionalOnProperty(name = "idempotency.store.type", havingValue = "jdbc")
        static final class StoreType {
        }
    }
}

package dev.idempotency.spring.boot;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.spring.EnableIdempotency;
import dev.idempotency.spring.IdempotencyConfiguration;
import dev.idempotency.spring.IdempotencyProperties;

/**
 * Spring Boot auto-configuration: what {@link EnableIdempotency} does, with the {@code idempotency.*} properties
 * bound by Boot (relaxed names, every property source, configuration metadata for the IDE). It backs off when the
 * application uses {@code @EnableIdempotency} itself (to choose the advice order, say). Beans of the application
 * win: its {@code IdempotencyStore}, {@code IdempotencyConfig}, {@code ResultSerializer}, listeners, observers, key
 * strategies and the clients that store modules look for, and its own {@link IdempotencyProperties} bean.
 */
@AutoConfiguration
@EnableConfigurationProperties
public class IdempotencyAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    @ConfigurationProperties("idempotency")
    public IdempotencyProperties idempotencyProperties() {
        return new IdempotencyProperties();
    }

    /**
     * Steps aside for the application's {@code @EnableIdempotency}, as Boot's {@code TransactionAutoConfiguration} does
     * for {@code @EnableTransactionManagement}.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(IdempotencyConfiguration.class)
    @EnableIdempotency
    static class EnableIdempotencyConfiguration {
    }
}

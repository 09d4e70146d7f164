package dev.idempotency.spring.web.boot;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.servlet.DispatcherServlet;

import dev.idempotency.Idempotency;
import dev.idempotency.spring.boot.IdempotencyAutoConfiguration;
import dev.idempotency.spring.web.IdempotencyExceptionHandler;
import dev.idempotency.spring.web.IdempotencyWebConfiguration;
import dev.idempotency.spring.web.IdempotencyWebProperties;

/**
 * Spring Boot auto-configuration of idempotent endpoints in a servlet web application: what
 * {@link IdempotencyWebConfiguration} does, with the {@code idempotency.web.*} properties bound by Boot, and the
 * {@link IdempotencyExceptionHandler} unless the application defines its own (a subclass, say). It backs off when the
 * application imports {@code IdempotencyWebConfiguration} itself.
 */
@AutoConfiguration(after = IdempotencyAutoConfiguration.class,
        afterName = "org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(DispatcherServlet.class)
@ConditionalOnBean(Idempotency.class)
public class IdempotencyWebAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    @ConfigurationProperties("idempotency.web")
    public IdempotencyWebProperties idempotencyWebProperties() {
        return new IdempotencyWebProperties();
    }

    @Bean
    @ConditionalOnMissingBean(IdempotencyExceptionHandler.class)
    public IdempotencyExceptionHandler idempotencyExceptionHandler() {
        return new IdempotencyExceptionHandler();
    }

    /** Steps aside for the application's own import of the configuration. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(IdempotencyWebConfiguration.class)
    @Import(IdempotencyWebConfiguration.class)
    static class ImportIdempotencyWebConfiguration {
    }
}

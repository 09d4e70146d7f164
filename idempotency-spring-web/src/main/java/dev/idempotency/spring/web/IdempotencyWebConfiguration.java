package dev.idempotency.spring.web;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;
import org.springframework.core.env.Environment;
import org.springframework.web.servlet.HandlerAdapter;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ViewResolver;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;

import dev.idempotency.Idempotency;
import dev.idempotency.spring.IdempotentMethodExclusion;

/**
 * Idempotent endpoints for a Spring MVC application without Spring Boot (with Boot, the auto-configuration imports
 * this). Import it beside {@code @EnableIdempotency}, {@code @EnableWebMvc} and the exception handler:
 *
 * <pre>{@code
 * @Configuration
 * @EnableWebMvc
 * @EnableIdempotency
 * @Import({ IdempotencyWebConfiguration.class, IdempotencyExceptionHandler.class })
 * class WebConfig { }
 * }</pre>
 *
 * <p>It registers the handler adapter that runs {@code @Idempotent} handler methods (and configured routes), the
 * {@link IdempotencyKeyHeader} key strategy for service methods, and tells the method-level aspect to leave handler
 * methods to it. The settings are an {@link IdempotencyWebConfig} bean of the application, else the
 * {@code idempotency.web.*} properties ({@link IdempotencyWebProperties}); the scope of keys is an
 * {@link IdempotencyScopeResolver} bean, else {@link IdempotencyScopeResolver#principal()}.
 */
@Configuration(proxyBeanMethods = false)
@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
public class IdempotencyWebConfiguration {

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    WebSettings idempotencyWebSettings(Environment environment, ObjectProvider<IdempotencyWebProperties> properties,
            ObjectProvider<IdempotencyWebConfig> configs, ObjectProvider<IdempotencyScopeResolver> scopes) {
        IdempotencyWebConfig config = configs.getIfAvailable(() -> properties
                .getIfAvailable(() -> IdempotencyWebProperties.from(environment)).toConfig());
        return new WebSettings(config, scopes.getIfAvailable(IdempotencyScopeResolver::principal));
    }

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    IdempotentEndpoints idempotentEndpoints(ObjectProvider<Idempotency> idempotency, ListableBeanFactory beanFactory,
            WebSettings settings) {
        return new IdempotentEndpoints(idempotency, beanFactory, settings.config());
    }

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    HandlerAdapter idempotentHandlerAdapter(IdempotentEndpoints endpoints,
            ObjectProvider<RequestMappingHandlerAdapter> delegates, ObjectProvider<Idempotency> idempotency,
            WebSettings settings, ObjectProvider<IdempotencyExceptionHandler> answers,
            ObjectProvider<HandlerExceptionResolver> resolvers, ObjectProvider<ViewResolver> viewResolvers) {
        return new IdempotentHandlerAdapter(endpoints, delegates, idempotency, settings.config(), settings.scopes(),
                answers, resolvers, viewResolvers);
    }

    /** {@code @Idempotent(keyStrategy = "idempotencyKeyHeader")} on service methods called from a request. */
    @Bean(IdempotencyKeyHeader.BEAN_NAME)
    IdempotencyKeyHeader idempotencyKeyHeader(WebSettings settings) {
        return new IdempotencyKeyHeader(settings.config(), settings.scopes());
    }

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    IdempotentMethodExclusion idempotencyControllerMethods() {
        return new ControllerMethods();
    }
}

package dev.idempotency.spring;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryUtils;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.ImportAware;
import org.springframework.context.annotation.Role;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

import dev.idempotency.Idempotency;
import dev.idempotency.IdempotencyConfig;
import dev.idempotency.IdempotencyListener;
import dev.idempotency.IdempotencyObserver;
import dev.idempotency.key.KeyStrategy;
import dev.idempotency.serialization.ResultSerializer;
import dev.idempotency.store.IdempotencyStore;

/**
 * The beans behind {@link EnableIdempotency}: the {@link Idempotency} engine, assembled from the application's own
 * beans where it has them and from {@link IdempotencyProperties} otherwise, and the aspect around
 * {@link dev.idempotency.Idempotent} methods. Imported by {@code @EnableIdempotency}; not meant to be used directly.
 */
@Configuration(proxyBeanMethods = false)
@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
public class IdempotencyConfiguration implements ImportAware {

    private int order = EnableIdempotency.DEFAULT_ORDER;

    @Override
    public void setImportMetadata(AnnotationMetadata importMetadata) {
        Map<String, Object> enable = importMetadata.getAnnotationAttributes(EnableIdempotency.class.getName());
        if (enable != null) {
            order = (Integer) enable.get("order");
        }
    }

    /**
     * The engine. Beans of the application win: an {@link IdempotencyStore}, an {@link IdempotencyConfig}, a
     * {@link ResultSerializer}, every {@link IdempotencyListener} and every {@link IdempotencyObserver} (in their
     * order, each told of every call); every {@link KeyStrategy} bean is registered under its bean name. The rest
     * comes from the properties, read (and checked) at startup.
     */
    @Bean
    Idempotency idempotency(Environment environment, ObjectProvider<IdempotencyProperties> properties,
            ObjectProvider<IdempotencyStore> stores, ObjectProvider<IdempotencyConfig> configs,
            ObjectProvider<ResultSerializer> serializers, ObjectProvider<IdempotencyListener> listeners,
            ObjectProvider<IdempotencyObserver> observers, ListableBeanFactory beanFactory,
            DefaultStoreFactory defaultStores) {
        IdempotencyProperties settings = properties.getIfAvailable(() -> IdempotencyProperties.from(environment));
        Idempotency.Builder builder = Idempotency.builder()
                .store(stores.getIfAvailable(() -> defaultStores.create(settings, environment)))
                .config(configs.getIfAvailable(settings::toConfig));
        serializers.ifAvailable(builder::serializer);
        listeners.orderedStream().forEach(builder::listener);
        List<IdempotencyObserver> observing = observers.orderedStream().toList();
        if (!observing.isEmpty()) {
            builder.observer(observing.size() == 1 ? observing.get(0) : new CompositeObserver(observing));
        }
        Map<String, KeyStrategy> strategies =
                BeanFactoryUtils.beansOfTypeIncludingAncestors(beanFactory, KeyStrategy.class);
        strategies.forEach(builder::keyStrategy);
        String defaultStrategy = settings.getDefaultKeyStrategy();
        if (defaultStrategy != null) {
            KeyStrategy strategy = strategies.get(defaultStrategy);
            if (strategy == null) {
                throw IdempotencyProperties.invalid("idempotency.default-key-strategy", defaultStrategy,
                        "the name of a KeyStrategy bean, one of " + new TreeSet<>(strategies.keySet()));
            }
            builder.defaultKeyStrategy(strategy);
        }
        return builder.build();
    }

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    DefaultStoreFactory idempotencyDefaultStoreFactory(ConfigurableListableBeanFactory beanFactory) {
        ClassLoader classLoader = beanFactory.getBeanClassLoader();
        return new DefaultStoreFactory(beanFactory,
                classLoader != null ? classLoader : IdempotencyConfiguration.class.getClassLoader(), order);
    }

    /**
     * The annotated methods, resolved once; checks every one when the singletons exist, so that a bad attribute fails
     * the startup. It looks the engine up then rather than taking it here: Spring creates aspects (and so this) early,
     * to order them, and the engine's dependencies (a user's store bean, say) must not be created that early, or they
     * would miss the post-processing (transactions, metrics) of other beans.
     */
    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    IdempotentMethods idempotentMethods(ObjectProvider<Idempotency> idempotency,
            ConfigurableListableBeanFactory beanFactory) {
        return new IdempotentMethods(idempotency, beanFactory, new DefaultParameterNameDiscoverer());
    }

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    IdempotencyAspect idempotencyAspect(IdempotentMethods idempotentMethods, BeanFactory beanFactory) {
        return new IdempotencyAspect(idempotentMethods, beanFactory, order);
    }
}

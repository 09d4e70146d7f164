package dev.idempotency.spring;

import java.util.Map;

import org.springframework.aop.config.AopConfigUtils;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Registers the auto-proxy creator that applies {@code @Aspect} beans, as {@code @EnableAspectJAutoProxy} does, with
 * the {@link EnableIdempotency#proxyTargetClass()} setting.
 */
final class IdempotencyProxyRegistrar implements ImportBeanDefinitionRegistrar {

    @Override
    public void registerBeanDefinitions(AnnotationMetadata importingClass, BeanDefinitionRegistry registry) {
        AopConfigUtils.registerAspectJAnnotationAutoProxyCreatorIfNecessary(registry);
        Map<String, Object> enable = importingClass.getAnnotationAttributes(EnableIdempotency.class.getName());
        if (enable != null && Boolean.TRUE.equals(enable.get("proxyTargetClass"))) {
            AopConfigUtils.forceAutoProxyCreatorToUseClassProxying(registry);
        }
    }
}

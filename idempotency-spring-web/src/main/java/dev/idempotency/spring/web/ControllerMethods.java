package dev.idempotency.spring.web;

import java.lang.reflect.Method;

import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RequestMapping;

import dev.idempotency.Idempotent;
import dev.idempotency.spring.IdempotentMethodExclusion;

/**
 * Leaves {@code @Idempotent} handler methods of controllers to the web layer, which protects them by the request's
 * key: the method-level aspect would protect them a second time, by their arguments. Other {@code @Idempotent}
 * methods, of services and of controllers alike, stay the aspect's.
 */
final class ControllerMethods implements IdempotentMethodExclusion {

    @Override
    public boolean excludes(Method method, Class<?> targetClass) {
        return method.isAnnotationPresent(Idempotent.class)
                && AnnotatedElementUtils.hasAnnotation(method, RequestMapping.class)
                && AnnotatedElementUtils.hasAnnotation(targetClass, Controller.class);
    }
}

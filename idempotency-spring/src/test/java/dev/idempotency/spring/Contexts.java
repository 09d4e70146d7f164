package dev.idempotency.spring;

import java.util.Map;

import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.core.env.MapPropertySource;

/** Starts real application contexts for the tests, with properties in the environment. */
final class Contexts {

    private Contexts() {
    }

    static AnnotationConfigApplicationContext start(Class<?>... components) {
        return start(Map.of(), components);
    }

    static AnnotationConfigApplicationContext start(Map<String, Object> properties, Class<?>... components) {
        AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
        context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("test", properties));
        context.register(components);
        try {
            context.refresh();
        } catch (RuntimeException e) {
            context.close();
            throw e;
        }
        return context;
    }
}

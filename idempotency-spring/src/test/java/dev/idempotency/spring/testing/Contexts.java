package dev.idempotency.spring.testing;

import java.util.Map;

import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.core.env.MapPropertySource;

/**
 * Starts real application contexts for the tests, with properties in the environment. In the test jar, for the store
 * modules' Spring tests.
 */
public final class Contexts {

    private Contexts() {
    }

    public static AnnotationConfigApplicationContext start(Class<?>... components) {
        return start(Map.of(), components);
    }

    public static AnnotationConfigApplicationContext start(Map<String, Object> properties, Class<?>... components) {
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

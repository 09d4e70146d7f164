package dev.idempotency.examples.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.env.MapPropertySource;

/** A profile whose server is named gets none of the example's: the README's way to use your own. */
class LocalStoreServerTest {

    @ParameterizedTest(name = "{0} with {1}")
    @CsvSource({
        "memory,   unused.property",
        "dynamodb, idempotency.dynamodb.endpoint",
        "jdbc,     spring.datasource.url",
        "redis,    idempotency.redis.uri",
    })
    void startsNothingWhereTheServerIsNamed(String type, String property) {
        try (GenericApplicationContext context = new GenericApplicationContext()) {
            context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("test",
                    Map.of("idempotency.store.type", type, property, "http://127.0.0.1:1")));
            int sources = context.getEnvironment().getPropertySources().size();

            new LocalStoreServer().initialize(context);

            assertThat(context.getEnvironment().getPropertySources().size()).isEqualTo(sources);
            assertThat(context.getEnvironment().getPropertySources().contains("localStoreServer")).isFalse();
        }
    }
}

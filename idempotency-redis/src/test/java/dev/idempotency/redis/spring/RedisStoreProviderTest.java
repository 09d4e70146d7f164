package dev.idempotency.redis.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.spring.EnableIdempotency;
import dev.idempotency.spring.testing.Contexts;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The {@code idempotency.redis.*} properties: what startup says about bad ones, and what the IDE is told. */
class RedisStoreProviderTest {

    @Test
    void failsStartupWithoutAUriOrAClient() {
        assertThatThrownBy(() -> Contexts.start(Map.of("idempotency.store.type", "redis"), AppConfig.class))
                .hasRootCauseMessage("Missing property idempotency.redis.uri: it is required with"
                        + " idempotency.store.type=redis, unless the application has a RedisClient or"
                        + " RedisClusterClient bean, or Spring Data Redis's LettuceConnectionFactory");
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "idempotency.redis.uri | localhost:6379 | localhost:6379 | a Redis URI such as redis://localhost:6379,"
                    + " rediss://user:password@host:6380/0 or redis-sentinel://host:26379#mymaster",
            "idempotency.redis.uri | http://admin:s3cret@cache:6379 | http://****@cache:6379 | a Redis URI such as"
                    + " redis://localhost:6379, rediss://user:password@host:6380/0 or"
                    + " redis-sentinel://host:26379#mymaster",
            "idempotency.redis.uri | redis://admin:s3/cret@cache:6379 | redis://****@cache:6379 | a Redis URI such"
                    + " as redis://localhost:6379, rediss://user:password@host:6380/0 or"
                    + " redis-sentinel://host:26379#mymaster",
            "idempotency.redis.timeout | soon | soon | a positive duration such as 500ms, 30s, 10m, 24h, 7d, or"
                    + " ISO-8601 such as PT10M",
            "idempotency.redis.max-result-bytes | -1 | -1 | a positive whole number",
            "idempotency.redis.max-result-bytes | 2000000000 | 2000000000 | at most 535822336",
    })
    void failsStartupNamingThePropertyAndTheValueButNeverAPassword(String property, String value, String shown,
            String expected) {
        Map<String, Object> properties = new java.util.HashMap<>(Map.of("idempotency.store.type", "redis",
                "idempotency.redis.uri", "redis://localhost:6379"));
        properties.put(property, value);

        assertThatThrownBy(() -> Contexts.start(properties, AppConfig.class))
                .hasRootCauseMessage("Invalid value '" + shown + "' for property " + property + ": expected "
                        + expected)
                .rootCause().message().doesNotContain("s3cret");
    }

    @Test
    void describesEveryPropertyItReadsInTheConfigurationMetadata() throws Exception {
        JsonNode metadata;
        try (InputStream json = RedisStoreProvider.class.getResourceAsStream(
                "/META-INF/spring-configuration-metadata.json")) {
            metadata = JsonMapper.builder().build().readTree(json);
        }
        List<String> names = new ArrayList<>();
        for (JsonNode property : metadata.get("properties")) {
            assertThat(property.get("description").asString()).as(property.get("name").asString()).isNotBlank();
            names.add(property.get("name").asString());
        }

        assertThat(names).containsExactlyInAnyOrder(RedisStoreProvider.URI, RedisStoreProvider.TIMEOUT,
                RedisStoreProvider.KEY_PREFIX, RedisStoreProvider.MAX_RESULT_BYTES);
        assertThat(metadata.get("hints").get(0).get("values").get(0).get("value").asString())
                .isEqualTo(new RedisStoreProvider().type());
    }

    @Configuration
    @EnableIdempotency
    static class AppConfig {
    }
}

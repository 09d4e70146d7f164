package dev.idempotency.jdbc.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The README documents {@code management.health.idempotency.enabled=false} to turn off the {@code idempotency} health
 * indicator that this module contributes (through {@code @ConditionalOnEnabledHealthIndicator("idempotency")}). Boot
 * declares {@code management.health.<name>.enabled} only for its own indicators, so configuration metadata on the
 * class path must declare it, or an IDE flags the documented property as unknown and offers no completion.
 */
class JdbcHealthMetadataTest {

    @Test
    void declaresThePropertyThatTurnsTheHealthIndicatorOff() throws Exception {
        List<String> declared = new ArrayList<>();
        ClassLoader loader = JdbcHealthAutoConfiguration.class.getClassLoader();
        for (String name : List.of("META-INF/spring-configuration-metadata.json",
                "META-INF/additional-spring-configuration-metadata.json")) {
            for (URL resource : Collections.list(loader.getResources(name))) {
                try (InputStream in = resource.openStream()) {
                    for (JsonNode property : JsonMapper.shared().readTree(in).path("properties")) {
                        declared.add(property.path("name").asString());
                    }
                }
            }
        }

        assertThat(declared).contains("idempotency.store.type").contains("management.health.idempotency.enabled")
                .contains("idempotency.jdbc.table-name", "idempotency.jdbc.transactional-completion");
    }
}

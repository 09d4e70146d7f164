package dev.idempotency.dynamodb.spring;

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

/** The {@code idempotency.dynamodb.*} properties: what startup says about bad ones, and what the IDE is told. */
class DynamoDbStoreProviderTest {

    @Test
    void failsStartupWithoutATableName() {
        assertThatThrownBy(() -> Contexts.start(Map.of("idempotency.store.type", "dynamodb"), AppConfig.class))
                .hasRootCauseMessage("Missing property idempotency.dynamodb.table-name: it is required with"
                        + " idempotency.store.type=dynamodb");
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "idempotency.dynamodb.endpoint | localhost | a URI such as http://localhost:8000",
            "idempotency.dynamodb.create-table | yes | true or false",
    })
    void failsStartupNamingThePropertyAndTheValue(String property, String value, String expected) {
        Map<String, Object> properties = Map.of("idempotency.store.type", "dynamodb",
                "idempotency.dynamodb.table-name", "idempotency", property, value);
        assertThatThrownBy(() -> Contexts.start(properties, AppConfig.class))
                .hasRootCauseMessage("Invalid value '" + value + "' for property " + property + ": expected "
                        + expected);
    }

    @Test
    void describesEveryPropertyItReadsInTheConfigurationMetadata() throws Exception {
        JsonNode metadata;
        try (InputStream json = DynamoDbStoreProvider.class.getResourceAsStream(
                "/META-INF/spring-configuration-metadata.json")) {
            metadata = JsonMapper.builder().build().readTree(json);
        }
        List<String> names = new ArrayList<>();
        for (JsonNode property : metadata.get("properties")) {
            assertThat(property.get("description").asString()).as(property.get("name").asString()).isNotBlank();
            names.add(property.get("name").asString());
        }

        assertThat(names).containsExactlyInAnyOrder(DynamoDbStoreProvider.TABLE_NAME, DynamoDbStoreProvider.REGION,
                DynamoDbStoreProvider.ENDPOINT, DynamoDbStoreProvider.CREATE_TABLE);
        assertThat(metadata.get("hints").get(0).get("values").get(0).get("value").asString())
                .isEqualTo(new DynamoDbStoreProvider().type());
    }

    @Configuration
    @EnableIdempotency
    static class AppConfig {
    }
}

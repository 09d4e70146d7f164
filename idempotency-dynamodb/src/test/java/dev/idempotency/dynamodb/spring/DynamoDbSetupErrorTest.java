package dev.idempotency.dynamodb.spring;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.spring.EnableIdempotency;
import dev.idempotency.spring.testing.Contexts;

import software.amazon.awssdk.core.exception.SdkException;

/**
 * Set-up errors of the client made from the properties speak of our properties, not only of the AWS SDK's provider
 * chains. The SDK's own sources of a region (system properties, profile files, instance metadata) are pointed at
 * nothing for the test, so that the machine's own configuration cannot hide the error.
 */
class DynamoDbSetupErrorTest {

    private final Map<String, String> saved = new HashMap<>();

    private void set(String property, String value) {
        saved.putIfAbsent(property, System.getProperty(property));
        System.setProperty(property, value);
    }

    @AfterEach
    void restoreSystemProperties() {
        saved.forEach((property, value) -> {
            if (value == null) {
                System.clearProperty(property);
            } else {
                System.setProperty(property, value);
            }
        });
    }

    @Configuration
    @EnableIdempotency
    static class AppConfig {
    }

    @Test
    void namesTheRegionPropertyWhenNoRegionCanBeFound(@TempDir Path nowhere) {
        String environmentRegion = System.getenv("AWS_REGION") != null ? System.getenv("AWS_REGION")
                : System.getenv("AWS_DEFAULT_REGION");
        set("aws.configFile", nowhere.resolve("config").toString());
        set("aws.sharedCredentialsFile", nowhere.resolve("credentials").toString());
        set("aws.disableEc2Metadata", "true");
        Map<String, Object> properties = Map.of("idempotency.store.type", "dynamodb",
                "idempotency.dynamodb.table-name", "orders");

        if (environmentRegion != null) {
            // The environment gives a region, and environment variables cannot be unset from here: the client is
            // then made, which is right too. The message is checked wherever the machine has no region.
            Contexts.start(properties, AppConfig.class).close();
            return;
        }
        assertThatThrownBy(() -> Contexts.start(properties, AppConfig.class))
                .rootCause().isNotInstanceOf(SdkException.class)
                .hasMessageStartingWith("No AWS region for the DynamoDB store: set idempotency.dynamodb.region (such"
                        + " as eu-west-1), or AWS_REGION, or define a DynamoDbClient bean (Unable to load region");
    }
}

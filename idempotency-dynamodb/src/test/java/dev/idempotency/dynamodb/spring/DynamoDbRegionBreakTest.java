package dev.idempotency.dynamodb.spring;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.spring.EnableIdempotency;
import dev.idempotency.spring.testing.Contexts;

/**
 * Every other {@code idempotency.dynamodb.*} mistake fails startup naming the property and the fix. Without a region
 * (none set, and none in the SDK's environment: a developer's machine, a CI runner), the client made from the
 * properties fails with the AWS SDK's own exception, which names the SDK's provider chain and never the property
 * that fixes it.
 */
class DynamoDbRegionBreakTest {

    @Configuration
    @EnableIdempotency
    static class AppConfig {
    }

    @Test
    void failsStartupNamingTheRegionPropertyWhenNoRegionIsFound() {
        Assumptions.assumeTrue(System.getenv("AWS_REGION") == null && System.getenv("AWS_DEFAULT_REGION") == null
                && System.getProperty("aws.region") == null, "a machine without an AWS region");
        Map<String, Object> properties = Map.of("idempotency.store.type", "dynamodb",
                "idempotency.dynamodb.table-name", "idempotency");

        // Fails: the root cause is software.amazon.awssdk.core.exception.SdkClientException "Unable to load region
        // from any of the providers in the chain ...".
        assertThatThrownBy(() -> Contexts.start(properties, AppConfig.class))
                .rootCause().hasMessageContaining("idempotency.dynamodb.region")
                .isNotInstanceOf(software.amazon.awssdk.core.exception.SdkException.class);
    }
}

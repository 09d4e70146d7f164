package dev.idempotency.dynamodb;

import java.util.Set;

import dev.idempotency.IdempotencyStoreException;

import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.RequestLimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

/**
 * Turns what the AWS SDK throws into {@link IdempotencyStoreException}s that name the table, where it was looked
 * for, and what to check. Messages carry error codes and DynamoDB's own error text, never keys or results.
 */
final class StoreFailures {

    /** Error codes of requests whose credentials were missing, wrong, expired or not allowed. */
    private static final Set<String> CREDENTIAL_ERROR_CODES = Set.of(
            "UnrecognizedClientException", "InvalidSignatureException", "IncompleteSignatureException",
            "MissingAuthenticationTokenException", "MissingAuthenticationToken", "ExpiredTokenException",
            "InvalidClientTokenId", "AccessDeniedException", "UnauthorizedOperation");

    private final TableLayout layout;
    private final String where;

    StoreFailures(TableLayout layout, String where) {
        this.layout = layout;
        this.where = where;
    }

    /** Where a client sends its requests, for messages: {@code endpoint http://...} or {@code region eu-west-1}. */
    static String whereOf(DynamoDbClient client) {
        try {
            var configuration = client.serviceClientConfiguration();
            return configuration.endpointOverride().map(uri -> "endpoint " + uri)
                    .orElseGet(() -> "region " + configuration.region());
        } catch (UnsupportedOperationException e) {
            // A hand-written DynamoDbClient (a test double, a decorator) need not describe its configuration.
            return "the client's region";
        }
    }

    String where() {
        return where;
    }

    /**
     * @param action    what the store was doing, as in "failed to {action}": {@code "claim a record"}
     * @param operation the DynamoDB operation that failed, for the IAM action to check: {@code "PutItem"}
     */
    IdempotencyStoreException translate(String action, String operation, SdkException e) {
        String table = "DynamoDB table '" + layout.tableName() + "' at " + where;
        if (e instanceof ResourceNotFoundException) {
            return new IdempotencyStoreException("Failed to " + action + ": " + table + " was not found (or is not"
                    + " ACTIVE yet). Create it with DynamoDbIdempotencyTable.create(store), or check the idempotency"
                    + " table name and the client's region and endpoint.", e);
        }
        if (e instanceof AwsServiceException service) {
            String code = errorCode(service);
            if (isThrottling(service)) {
                return new IdempotencyStoreException("Failed to " + action + ": " + table + " throttled " + operation
                        + " (" + code + ") after the SDK's retries. Check the table's capacity (on-demand billing, or"
                        + " more provisioned capacity), the account's request limits and the client's retry"
                        + " settings.", e);
            }
            if (CREDENTIAL_ERROR_CODES.contains(code) || service.statusCode() == 403) {
                return new IdempotencyStoreException("Failed to " + action + ": " + table + " refused " + operation
                        + " (" + code + "). Check the credentials of the DynamoDbClient, and that its IAM policy"
                        + " allows dynamodb:" + operation + " on the table.", e);
            }
            AwsErrorDetails details = service.awsErrorDetails();
            String message = details == null || details.errorMessage() == null ? "" : ": " + details.errorMessage();
            // A table whose key differs from the store's is the usual cause of a rejected item request.
            String hint = "ValidationException".equals(code)
                    ? " Check that the table's key schema is the store's: " + layout.describeKeySchema() + "." : "";
            return new IdempotencyStoreException("Failed to " + action + ": " + table + " rejected " + operation
                    + " (" + code + message + ")." + hint, e);
        }
        if (e instanceof SdkClientException && String.valueOf(e.getMessage()).startsWith("Unable to load credentials")) {
            return new IdempotencyStoreException("Failed to " + action + ": found no AWS credentials to sign "
                    + operation + " to " + table + " (" + e.getMessage() + "). Give the DynamoDbClient a credentials"
                    + " provider, or set credentials the AWS SDK's way (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a"
                    + " profile, an instance role); a local emulator takes any, such as -Daws.accessKeyId=dummy"
                    + " -Daws.secretAccessKey=dummy.", e);
        }
        if (e instanceof SdkClientException) {
            return new IdempotencyStoreException("Failed to " + action + ": could not send " + operation + " to "
                    + table + " (" + e.getMessage() + "). Check the endpoint or region, the network, and the"
                    + " credentials provider of the DynamoDbClient.", e);
        }
        return new IdempotencyStoreException("Failed to " + action + ": " + operation + " on " + table + " failed ("
                + e.getMessage() + ").", e);
    }

    private static boolean isThrottling(AwsServiceException e) {
        return e instanceof ProvisionedThroughputExceededException
                || e instanceof RequestLimitExceededException
                || e.isThrottlingException();
    }

    private static String errorCode(AwsServiceException e) {
        AwsErrorDetails details = e.awsErrorDetails();
        if (details != null && details.errorCode() != null) {
            return details.errorCode();
        }
        return "HTTP " + e.statusCode();
    }
}

package dev.idempotency.dynamodb;

import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/**
 * Simulates an endpoint that honours {@code ReturnValuesOnConditionCheckFailure=ALL_OLD}, as DynamoDB does and
 * dynalite does not: when a {@code PutItem} that asked for it fails its condition without the old item, the item is
 * read through {@code reader} (a separate client, so the read is not counted against the client under test) and
 * attached to the exception.
 */
final class ReturnsOldItemOnConditionFailure implements ExecutionInterceptor {

    private final DynamoDbClient reader;
    private final Set<String> keyAttributes;

    ReturnsOldItemOnConditionFailure(DynamoDbClient reader, Set<String> keyAttributes) {
        this.reader = reader;
        this.keyAttributes = keyAttributes;
    }

    @Override
    public Throwable modifyException(Context.FailedExecution context, ExecutionAttributes attributes) {
        if (context.exception() instanceof ConditionalCheckFailedException failed && !failed.hasItem()
                && context.request() instanceof PutItemRequest put
                && put.returnValuesOnConditionCheckFailure() == ReturnValuesOnConditionCheckFailure.ALL_OLD) {
            Map<String, AttributeValue> key = put.item().entrySet().stream()
                    .filter(attribute -> keyAttributes.contains(attribute.getKey()))
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
            Map<String, AttributeValue> old = reader
                    .getItem(b -> b.tableName(put.tableName()).key(key).consistentRead(true)).item();
            return failed.toBuilder().item(old).build();
        }
        return context.exception();
    }
}

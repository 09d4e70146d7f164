package dev.idempotency.dynamodb;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.RecordStatus;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * Where each field of a record lives in a DynamoDB item, and how large an item can grow. In single-table mode the
 * partition key holds one fixed value and the record id goes in the sort key ({@code idAttribute}).
 */
record TableLayout(
        String tableName,
        @Nullable String partitionKeyAttribute,
        @Nullable String partitionKeyValue,
        String idAttribute,
        String statusAttribute,
        String expirationAttribute,
        String leaseExpirationAttribute,
        String claimTokenAttribute,
        String fingerprintAttribute,
        String resultAttribute) {

    /** DynamoDB's item size limit: 400 KB, counted as attribute-name bytes plus value bytes. */
    static final int MAX_ITEM_BYTES = 409_600;
    /** Room kept for the record id: DynamoDB's sort key limit; engine ids are at most 255 + 1 + 64 characters. */
    static final int MAX_ID_BYTES = 1_024;
    /** Room kept for the payload fingerprint (the engine's is a 64-character SHA-256). */
    static final int MAX_FINGERPRINT_BYTES = 256;
    /** Room kept for the claim token (the engine's is a 36-character UUID). */
    static final int MAX_CLAIM_TOKEN_BYTES = 128;
    /** DynamoDB's partition key limit. */
    static final int MAX_PARTITION_KEY_VALUE_BYTES = 2_048;
    /** DynamoDB stores a number in at most 21 bytes (38 significant digits, two to a byte, plus one). */
    private static final int MAX_NUMBER_BYTES = 21;
    private static final int MAX_STATUS_BYTES = RecordStatus.IN_PROGRESS.name().length();

    boolean isSingleTable() {
        return partitionKeyAttribute != null;
    }

    /**
     * The largest result that keeps a record within {@link #MAX_ITEM_BYTES}: the limit less every attribute name,
     * the partition key value, and the longest id, fingerprint, claim token, status and numbers a record may hold.
     */
    int maxResultBytes() {
        int names = utf8Length(idAttribute) + utf8Length(statusAttribute) + utf8Length(expirationAttribute)
                + utf8Length(leaseExpirationAttribute) + utf8Length(claimTokenAttribute)
                + utf8Length(fingerprintAttribute) + utf8Length(resultAttribute);
        int partitionKey = partitionKeyAttribute == null || partitionKeyValue == null
                ? 0 : utf8Length(partitionKeyAttribute) + utf8Length(partitionKeyValue);
        return MAX_ITEM_BYTES - names - partitionKey - MAX_ID_BYTES - MAX_FINGERPRINT_BYTES - MAX_CLAIM_TOKEN_BYTES
                - MAX_STATUS_BYTES - 2 * MAX_NUMBER_BYTES;
    }

    Map<String, AttributeValue> key(String id) {
        if (partitionKeyAttribute == null || partitionKeyValue == null) {
            return Map.of(idAttribute, AttributeValue.fromS(id));
        }
        return Map.of(partitionKeyAttribute, AttributeValue.fromS(partitionKeyValue), idAttribute,
                AttributeValue.fromS(id));
    }

    Map<String, AttributeValue> item(IdempotencyRecord record) {
        Map<String, AttributeValue> item = new HashMap<>(key(record.id()));
        item.put(statusAttribute, AttributeValue.fromS(record.status().name()));
        item.put(fingerprintAttribute, AttributeValue.fromS(record.fingerprint()));
        item.put(claimTokenAttribute, AttributeValue.fromS(record.claimToken()));
        item.put(expirationAttribute, epochSeconds(record.expiresAt()));
        if (record.leaseExpiresAt() != null) {
            item.put(leaseExpirationAttribute, epochMillis(record.leaseExpiresAt()));
        }
        if (record.result() != null) {
            item.put(resultAttribute, AttributeValue.fromB(SdkBytes.fromByteArray(record.result())));
        }
        return item;
    }

    /**
     * The record an item holds.
     *
     * @throws IdempotencyStoreException when the item is not a record this layout can read
     */
    IdempotencyRecord record(Map<String, AttributeValue> item) {
        String status = string(item, statusAttribute);
        RecordStatus recordStatus;
        try {
            recordStatus = RecordStatus.valueOf(status);
        } catch (IllegalArgumentException e) {
            throw unreadable("attribute '" + statusAttribute + "' holds the unknown status '" + status + "'");
        }
        AttributeValue lease = item.get(leaseExpirationAttribute);
        if (recordStatus == RecordStatus.IN_PROGRESS && lease == null) {
            throw unreadable("attribute '" + leaseExpirationAttribute + "' is missing, and an IN_PROGRESS record"
                    + " needs it");
        }
        AttributeValue result = item.get(resultAttribute);
        if (result != null && result.b() == null) {
            throw unreadable("attribute '" + resultAttribute + "' is not of type B");
        }
        try {
            return new IdempotencyRecord(
                    string(item, idAttribute),
                    recordStatus,
                    string(item, fingerprintAttribute),
                    string(item, claimTokenAttribute),
                    Instant.ofEpochSecond(number(item, expirationAttribute)),
                    lease == null ? null : Instant.ofEpochMilli(number(item, leaseExpirationAttribute)),
                    result == null ? null : result.b().asByteArray());
        } catch (DateTimeException e) {
            throw unreadable("attribute '" + expirationAttribute + "' or '" + leaseExpirationAttribute
                    + "' holds a time out of range");
        }
    }

    List<KeySchemaElement> keySchema() {
        KeySchemaElement id = KeySchemaElement.builder().attributeName(idAttribute)
                .keyType(partitionKeyAttribute == null ? KeyType.HASH : KeyType.RANGE).build();
        if (partitionKeyAttribute == null) {
            return List.of(id);
        }
        return List.of(KeySchemaElement.builder().attributeName(partitionKeyAttribute).keyType(KeyType.HASH).build(),
                id);
    }

    List<AttributeDefinition> keyAttributeDefinitions() {
        return keySchema().stream()
                .map(k -> AttributeDefinition.builder().attributeName(k.attributeName())
                        .attributeType(ScalarAttributeType.S).build())
                .toList();
    }

    /** The key schema in words, for messages: {@code id (S, HASH)} or {@code pk (S, HASH), id (S, RANGE)}. */
    String describeKeySchema() {
        return partitionKeyAttribute == null
                ? idAttribute + " (S, HASH)"
                : partitionKeyAttribute + " (S, HASH), " + idAttribute + " (S, RANGE)";
    }

    static int utf8Length(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Epoch seconds, as DynamoDB's TTL reads them; rounded up, so a record never ends early. */
    static AttributeValue epochSeconds(Instant instant) {
        long seconds = instant.getEpochSecond() + (instant.getNano() > 0 ? 1 : 0);
        return AttributeValue.fromN(Long.toString(seconds));
    }

    /** Epoch milliseconds; rounded up, so a lease never ends early. */
    static AttributeValue epochMillis(Instant instant) {
        long millis = instant.toEpochMilli() + (instant.getNano() % 1_000_000 > 0 ? 1 : 0);
        return AttributeValue.fromN(Long.toString(millis));
    }

    private String string(Map<String, AttributeValue> item, String attribute) {
        AttributeValue value = item.get(attribute);
        if (value == null || value.s() == null) {
            throw unreadable("attribute '" + attribute + "' is missing or not of type S");
        }
        return value.s();
    }

    /** A whole number; a fraction (written by hand or another tool) is rounded up, never ending a record early. */
    private long number(Map<String, AttributeValue> item, String attribute) {
        AttributeValue value = item.get(attribute);
        if (value == null || value.n() == null) {
            throw unreadable("attribute '" + attribute + "' is missing or not of type N");
        }
        try {
            return new BigDecimal(value.n()).setScale(0, RoundingMode.CEILING).longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw unreadable("attribute '" + attribute + "' holds a number out of range for a timestamp");
        }
    }

    private IdempotencyStoreException unreadable(String why) {
        return new IdempotencyStoreException("An item in DynamoDB table '" + tableName
                + "' is not an idempotency record this store can read: " + why + ". Does another application write"
                + " to this table, or were the store's attribute names changed? Correct the item, or delete it to let"
                + " its key run again.", null);
    }
}

package dev.idempotency.dynamodb;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import dev.idempotency.IdempotencyStoreException;
import dev.idempotency.store.ClaimResult;
import dev.idempotency.store.IdempotencyRecord;
import dev.idempotency.store.IdempotencyStore;
import dev.idempotency.store.RecordStatus;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * Keeps idempotency records in a DynamoDB table that every instance of a service shares. Each operation is one
 * request on one item:
 *
 * <ul>
 *   <li>claim: a conditional {@code PutItem} that succeeds only when there is no record, the record has expired, or
 *       it is {@code IN_PROGRESS} with an expired lease. It asks for the item that failed the condition
 *       ({@code ReturnValuesOnConditionCheckFailure=ALL_OLD}), so a duplicate costs one request; where the endpoint
 *       does not return it (emulators such as dynalite), one strongly consistent {@code GetItem} follows.</li>
 *   <li>complete: an {@code UpdateItem} conditional on the caller's claim token and {@code IN_PROGRESS}.</li>
 *   <li>release: a {@code DeleteItem} with the same condition.</li>
 *   <li>find: a strongly consistent {@code GetItem}.</li>
 * </ul>
 *
 * <p>Expiry and leases are decided from the stored timestamps at the caller's time, never from DynamoDB's TTL
 * sweep, which may delete expired items up to days late; TTL only keeps the table small. Timestamps are kept
 * exactly: the expiration in epoch seconds (whole for every record the engine writes), the lease in epoch
 * milliseconds. The result is stored as binary ({@code B}); a record without a result has no result attribute.
 *
 * <pre>{@code
 * DynamoDbIdempotencyStore store = DynamoDbIdempotencyStore.builder()
 *         .client(dynamoDbClient)
 *         .tableName("idempotency")
 *         .build();
 * }</pre>
 *
 * <p>Thread-safe. The store does not close the client: whoever built the client closes it.
 */
public final class DynamoDbIdempotencyStore implements IdempotencyStore {

    /** The attribute that holds the record id: the partition key, or the sort key in single-table mode. */
    public static final String DEFAULT_ID_ATTRIBUTE = "id";
    /** The attribute that holds {@code IN_PROGRESS}, {@code COMPLETED} or {@code FAILED} (type S). */
    public static final String DEFAULT_STATUS_ATTRIBUTE = "status";
    /** The attribute that holds when the record expires, in epoch seconds (type N): the table's TTL attribute. */
    public static final String DEFAULT_EXPIRATION_ATTRIBUTE = "expiration";
    /** The attribute that holds until when a running call owns the key, in epoch milliseconds (type N). */
    public static final String DEFAULT_LEASE_EXPIRATION_ATTRIBUTE = "lease_expiration";
    /** The attribute that holds the fencing token of the call that owns the record (type S). */
    public static final String DEFAULT_CLAIM_TOKEN_ATTRIBUTE = "claim_token";
    /** The attribute that holds the payload fingerprint (type S). */
    public static final String DEFAULT_FINGERPRINT_ATTRIBUTE = "fingerprint";
    /** The attribute that holds the serialized result or kept failure, as raw bytes (type B). */
    public static final String DEFAULT_RESULT_ATTRIBUTE = "result";

    /** How many times a claim writes again when the record it lost to vanished before it could be read. */
    static final int MAX_CLAIM_ATTEMPTS = 3;

    private static final Pattern TABLE_NAME = Pattern.compile("[a-zA-Z0-9_.-]{3,255}");
    private static final int MAX_ATTRIBUTE_NAME_BYTES = 255;

    private static final String CLAIMABLE = "attribute_not_exists(#id) OR #expiration <= :nowSeconds"
            + " OR (#status = :inProgress AND #lease <= :nowMillis)";
    private static final String OWNED = "#claimToken = :claimToken AND #status = :inProgress";
    /** The fingerprint was written by the claim and cannot change while the claim token holds: it is not resent. */
    private static final String FINISH = "SET #status = :status, #expiration = :expiration";
    private static final AttributeValue IN_PROGRESS = AttributeValue.fromS(RecordStatus.IN_PROGRESS.name());

    private final DynamoDbClient client;
    private final TableLayout layout;
    private final StoreFailures failures;
    private final int maxResultBytes;
    private final Map<String, String> claimNames;
    private final Map<String, String> finishNames;
    private final Map<String, String> ownedNames;

    private DynamoDbIdempotencyStore(DynamoDbClient client, TableLayout layout) {
        this.client = client;
        this.layout = layout;
        this.failures = new StoreFailures(layout, StoreFailures.whereOf(client));
        this.maxResultBytes = layout.maxResultBytes();
        // DynamoDB rejects expression attribute names that a request does not use, so each request has its own map.
        this.claimNames = Map.of("#id", layout.idAttribute(), "#expiration", layout.expirationAttribute(),
                "#status", layout.statusAttribute(), "#lease", layout.leaseExpirationAttribute());
        this.finishNames = Map.of("#status", layout.statusAttribute(), "#expiration", layout.expirationAttribute(),
                "#result", layout.resultAttribute(),
                "#lease", layout.leaseExpirationAttribute(), "#claimToken", layout.claimTokenAttribute());
        this.ownedNames = Map.of("#claimToken", layout.claimTokenAttribute(), "#status", layout.statusAttribute());
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public ClaimResult claim(IdempotencyRecord record, Instant now) {
        Objects.requireNonNull(record, "record must not be null");
        Objects.requireNonNull(now, "now must not be null");
        if (record.status() != RecordStatus.IN_PROGRESS) {
            throw new IllegalArgumentException("a claim writes an IN_PROGRESS record, but was " + record.status());
        }
        checkSizes(record);
        PutItemRequest put = PutItemRequest.builder()
                .tableName(layout.tableName())
                .item(layout.item(record))
                .conditionExpression(CLAIMABLE)
                .expressionAttributeNames(claimNames)
                .expressionAttributeValues(claimValues(now))
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                .build();
        for (int attempt = 1; attempt <= MAX_CLAIM_ATTEMPTS; attempt++) {
            Map<String, AttributeValue> blocking;
            try {
                client.putItem(put);
                return ClaimResult.claimed();
            } catch (ConditionalCheckFailedException e) {
                blocking = e.hasItem() ? e.item() : Map.of();
            } catch (SdkException e) {
                throw failures.translate("claim a record", "PutItem", e);
            }
            if (!blocking.isEmpty()) {
                return ClaimResult.conflict(layout.record(blocking));
            }
            // The endpoint did not return the item that failed the condition (dynalite ignores ALL_OLD): read it.
            Optional<IdempotencyRecord> current = read(record.id(), "claim a record");
            if (current.isPresent() && !current.get().isClaimable(now)) {
                return ClaimResult.conflict(current.get());
            }
            // Released or expired between the two requests: the key is free again, so write again.
        }
        throw new IdempotencyStoreException("Failed to claim a record: in DynamoDB table '" + layout.tableName()
                + "' at " + failures.where() + " the record changed between the failed write and the read after it,"
                + " " + MAX_CLAIM_ATTEMPTS + " times in a row. Retry the call.", null);
    }

    /**
     * The whole epoch seconds and milliseconds of {@code now}, rounded down: with whole stored values, "now is at or
     * past the stored time" holds exactly when these are.
     */
    private static Map<String, AttributeValue> claimValues(Instant now) {
        return Map.of(":nowSeconds", AttributeValue.fromN(Long.toString(now.getEpochSecond())),
                ":nowMillis", AttributeValue.fromN(Long.toString(now.toEpochMilli())),
                ":inProgress", IN_PROGRESS);
    }

    @Override
    public boolean complete(IdempotencyRecord finished) {
        Objects.requireNonNull(finished, "finished must not be null");
        if (finished.status() == RecordStatus.IN_PROGRESS) {
            throw new IllegalArgumentException("complete writes a COMPLETED or FAILED record, but was IN_PROGRESS");
        }
        checkSizes(finished);
        byte[] result = finished.result();
        if (result != null && result.length > maxResultBytes) {
            throw new IllegalArgumentException("the result is " + result.length + " bytes, above maxResultBytes() = "
                    + maxResultBytes + ": a record must fit in DynamoDB's 400 KB item limit");
        }
        Map<String, AttributeValue> values = new LinkedHashMap<>();
        values.put(":status", AttributeValue.fromS(finished.status().name()));
        values.put(":expiration", TableLayout.epochSeconds(finished.expiresAt()));
        values.put(":claimToken", AttributeValue.fromS(finished.claimToken()));
        values.put(":inProgress", IN_PROGRESS);
        String update;
        if (result == null) {
            update = FINISH + " REMOVE #lease, #result";
        } else {
            update = FINISH + ", #result = :result REMOVE #lease";
            values.put(":result", AttributeValue.fromB(SdkBytes.fromByteArray(result)));
        }
        UpdateItemRequest request = UpdateItemRequest.builder()
                .tableName(layout.tableName())
                .key(layout.key(finished.id()))
                .updateExpression(update)
                .conditionExpression(OWNED)
                .expressionAttributeNames(finishNames)
                .expressionAttributeValues(values)
                .build();
        try {
            client.updateItem(request);
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        } catch (SdkException e) {
            throw failures.translate("complete a record", "UpdateItem", e);
        }
    }

    @Override
    public boolean release(String id, String claimToken) {
        Objects.requireNonNull(id, "id must not be null");
        Objects.requireNonNull(claimToken, "claimToken must not be null");
        DeleteItemRequest request = DeleteItemRequest.builder()
                .tableName(layout.tableName())
                .key(layout.key(id))
                .conditionExpression(OWNED)
                .expressionAttributeNames(ownedNames)
                .expressionAttributeValues(Map.of(":claimToken", AttributeValue.fromS(claimToken),
                        ":inProgress", IN_PROGRESS))
                .build();
        try {
            client.deleteItem(request);
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        } catch (SdkException e) {
            throw failures.translate("release a record", "DeleteItem", e);
        }
    }

    @Override
    public Optional<IdempotencyRecord> find(String id) {
        return read(Objects.requireNonNull(id, "id must not be null"), "read a record");
    }

    /**
     * The largest result a record can hold within DynamoDB's 400 KB item limit (409,600 bytes, attribute names
     * included), less room for the longest id (1,024 bytes), fingerprint (256), claim token (128), status and
     * timestamps: 408,077 bytes with the default attribute names.
     */
    @Override
    public int maxResultBytes() {
        return maxResultBytes;
    }

    /** The table the records live in. */
    public String tableName() {
        return layout.tableName();
    }

    DynamoDbClient client() {
        return client;
    }

    TableLayout layout() {
        return layout;
    }

    StoreFailures failures() {
        return failures;
    }

    private Optional<IdempotencyRecord> read(String id, String action) {
        GetItemResponse response;
        try {
            response = client.getItem(b -> b.tableName(layout.tableName()).key(layout.key(id)).consistentRead(true));
        } catch (SdkException e) {
            throw failures.translate(action, "GetItem", e);
        }
        return response.hasItem() && !response.item().isEmpty()
                ? Optional.of(layout.record(response.item())) : Optional.empty();
    }

    private static void checkSizes(IdempotencyRecord record) {
        checkSize("id", record.id(), TableLayout.MAX_ID_BYTES);
        checkSize("fingerprint", record.fingerprint(), TableLayout.MAX_FINGERPRINT_BYTES);
        checkSize("claimToken", record.claimToken(), TableLayout.MAX_CLAIM_TOKEN_BYTES);
    }

    private static void checkSize(String field, String value, int maxBytes) {
        int bytes = TableLayout.utf8Length(value);
        if (bytes > maxBytes) {
            throw new IllegalArgumentException(field + " must be at most " + maxBytes + " bytes in UTF-8, but was "
                    + bytes + " bytes");
        }
    }

    @Override
    public String toString() {
        return "DynamoDbIdempotencyStore[table=" + layout.tableName() + ", " + failures.where()
                + ", key=" + layout.describeKeySchema()
                + (layout.isSingleTable() ? ", partitionKeyValue=" + layout.partitionKeyValue() : "")
                + ", statusAttribute=" + layout.statusAttribute()
                + ", expirationAttribute=" + layout.expirationAttribute()
                + ", leaseExpirationAttribute=" + layout.leaseExpirationAttribute()
                + ", claimTokenAttribute=" + layout.claimTokenAttribute()
                + ", fingerprintAttribute=" + layout.fingerprintAttribute()
                + ", resultAttribute=" + layout.resultAttribute()
                + ", maxResultBytes=" + maxResultBytes + "]";
    }

    /**
     * Builds a {@link DynamoDbIdempotencyStore}. {@link #client} and {@link #tableName} are required; every attribute
     * name has a {@code DEFAULT_*} value. Setters validate at once, {@link #build()} checks the whole.
     */
    public static final class Builder {

        private @Nullable DynamoDbClient client;
        private @Nullable String tableName;
        private @Nullable String partitionKeyAttribute;
        private @Nullable String partitionKeyValue;
        private String idAttribute = DEFAULT_ID_ATTRIBUTE;
        private String statusAttribute = DEFAULT_STATUS_ATTRIBUTE;
        private String expirationAttribute = DEFAULT_EXPIRATION_ATTRIBUTE;
        private String leaseExpirationAttribute = DEFAULT_LEASE_EXPIRATION_ATTRIBUTE;
        private String claimTokenAttribute = DEFAULT_CLAIM_TOKEN_ATTRIBUTE;
        private String fingerprintAttribute = DEFAULT_FINGERPRINT_ATTRIBUTE;
        private String resultAttribute = DEFAULT_RESULT_ATTRIBUTE;

        private Builder() {
        }

        /** The client that sends every request; required. The store does not close it. */
        public Builder client(DynamoDbClient client) {
            this.client = Objects.requireNonNull(client, "client must not be null");
            return this;
        }

        /** The table the records live in; required. */
        public Builder tableName(String tableName) {
            Objects.requireNonNull(tableName, "tableName must not be null");
            if (!TABLE_NAME.matcher(tableName).matches()) {
                throw new IllegalArgumentException("tableName must be 3 to 255 characters of a-z, A-Z, 0-9, '_', '-'"
                        + " and '.', but was '" + tableName + "'");
            }
            this.tableName = tableName;
            return this;
        }

        /**
         * The attribute that holds the record id; default {@link #DEFAULT_ID_ATTRIBUTE}. It is the table's partition
         * key, or its sort key in {@linkplain #singleTable single-table mode}.
         */
        public Builder idAttribute(String name) {
            this.idAttribute = attributeName(name, "idAttribute");
            return this;
        }

        /** Default {@link #DEFAULT_STATUS_ATTRIBUTE}. */
        public Builder statusAttribute(String name) {
            this.statusAttribute = attributeName(name, "statusAttribute");
            return this;
        }

        /**
         * The expiry in epoch seconds, which should be the table's TTL attribute; default
         * {@link #DEFAULT_EXPIRATION_ATTRIBUTE}.
         */
        public Builder expirationAttribute(String name) {
            this.expirationAttribute = attributeName(name, "expirationAttribute");
            return this;
        }

        /** Default {@link #DEFAULT_LEASE_EXPIRATION_ATTRIBUTE}. */
        public Builder leaseExpirationAttribute(String name) {
            this.leaseExpirationAttribute = attributeName(name, "leaseExpirationAttribute");
            return this;
        }

        /** Default {@link #DEFAULT_CLAIM_TOKEN_ATTRIBUTE}. */
        public Builder claimTokenAttribute(String name) {
            this.claimTokenAttribute = attributeName(name, "claimTokenAttribute");
            return this;
        }

        /** Default {@link #DEFAULT_FINGERPRINT_ATTRIBUTE}. */
        public Builder fingerprintAttribute(String name) {
            this.fingerprintAttribute = attributeName(name, "fingerprintAttribute");
            return this;
        }

        /** Default {@link #DEFAULT_RESULT_ATTRIBUTE}. */
        public Builder resultAttribute(String name) {
            this.resultAttribute = attributeName(name, "resultAttribute");
            return this;
        }

        /**
         * Shares a table with other data (single-table design): every record's partition key
         * {@code partitionKeyAttribute} holds {@code partitionKeyValue}, and its sort key {@code sortKeyAttribute}
         * holds the record id. The same as {@code idAttribute(sortKeyAttribute)} plus a fixed partition key. Off by
         * default: the record id is the partition key.
         */
        public Builder singleTable(String partitionKeyAttribute, String partitionKeyValue, String sortKeyAttribute) {
            String attribute = attributeName(partitionKeyAttribute, "partitionKeyAttribute");
            Objects.requireNonNull(partitionKeyValue, "partitionKeyValue must not be null");
            int bytes = TableLayout.utf8Length(partitionKeyValue);
            if (bytes == 0 || bytes > TableLayout.MAX_PARTITION_KEY_VALUE_BYTES) {
                throw new IllegalArgumentException("partitionKeyValue must be 1 to "
                        + TableLayout.MAX_PARTITION_KEY_VALUE_BYTES + " bytes in UTF-8, but was " + bytes + " bytes");
            }
            this.idAttribute = attributeName(sortKeyAttribute, "sortKeyAttribute");
            this.partitionKeyAttribute = attribute;
            this.partitionKeyValue = partitionKeyValue;
            return this;
        }

        /**
         * @throws IllegalStateException    when the client or the table name is missing
         * @throws IllegalArgumentException when two settings name the same attribute
         */
        public DynamoDbIdempotencyStore build() {
            if (client == null) {
                throw new IllegalStateException("client must be set: the DynamoDbClient the store sends requests with");
            }
            if (tableName == null) {
                throw new IllegalStateException("tableName must be set: the table that holds the records (create it"
                        + " with DynamoDbIdempotencyTable.create)");
            }
            Map<String, String> settingByAttribute = new LinkedHashMap<>();
            if (partitionKeyAttribute != null) {
                distinct(settingByAttribute, partitionKeyAttribute, "partitionKeyAttribute");
            }
            distinct(settingByAttribute, idAttribute,
                    partitionKeyAttribute == null ? "idAttribute" : "sortKeyAttribute");
            distinct(settingByAttribute, statusAttribute, "statusAttribute");
            distinct(settingByAttribute, expirationAttribute, "expirationAttribute");
            distinct(settingByAttribute, leaseExpirationAttribute, "leaseExpirationAttribute");
            distinct(settingByAttribute, claimTokenAttribute, "claimTokenAttribute");
            distinct(settingByAttribute, fingerprintAttribute, "fingerprintAttribute");
            distinct(settingByAttribute, resultAttribute, "resultAttribute");
            return new DynamoDbIdempotencyStore(client, new TableLayout(tableName, partitionKeyAttribute,
                    partitionKeyValue, idAttribute, statusAttribute, expirationAttribute, leaseExpirationAttribute,
                    claimTokenAttribute, fingerprintAttribute, resultAttribute));
        }

        private static String attributeName(String name, String setting) {
            Objects.requireNonNull(name, setting + " must not be null");
            if (name.isBlank()) {
                throw new IllegalArgumentException(setting + " must not be blank");
            }
            int bytes = TableLayout.utf8Length(name);
            if (bytes > MAX_ATTRIBUTE_NAME_BYTES) {
                throw new IllegalArgumentException(setting + " must be at most " + MAX_ATTRIBUTE_NAME_BYTES
                        + " bytes in UTF-8, but was " + bytes + " bytes");
            }
            return name;
        }

        private static void distinct(Map<String, String> settingByAttribute, String attribute, String setting) {
            String other = settingByAttribute.putIfAbsent(attribute, setting);
            if (other != null) {
                throw new IllegalArgumentException("every attribute needs its own name, but '" + attribute
                        + "' is both " + other + " and " + setting);
            }
        }
    }
}

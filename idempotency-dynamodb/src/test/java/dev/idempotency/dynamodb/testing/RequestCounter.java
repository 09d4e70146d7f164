package dev.idempotency.dynamodb.testing;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Counts the HTTP requests a client sends, by DynamoDB operation name, retries included, for exact round-trip
 * assertions. Register it with {@code overrideConfiguration(o -> o.addExecutionInterceptor(counter))}.
 */
public final class RequestCounter implements ExecutionInterceptor {

    private final ConcurrentMap<String, AtomicInteger> counts = new ConcurrentHashMap<>();

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        counts.computeIfAbsent(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME),
                operation -> new AtomicInteger()).incrementAndGet();
    }

    /** The requests sent since the last {@link #reset()}, by operation name, such as {@code {PutItem=1}}. */
    public Map<String, Integer> counts() {
        Map<String, Integer> snapshot = new TreeMap<>();
        counts.forEach((operation, count) -> {
            if (count.get() > 0) {
                snapshot.put(operation, count.get());
            }
        });
        return snapshot;
    }

    public void reset() {
        counts.clear();
    }
}

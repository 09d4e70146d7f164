package dev.idempotency.internal;

import java.lang.reflect.Type;
import java.time.Duration;
import java.util.List;

import dev.idempotency.InProgressPolicy;

/**
 * Everything the engine needs to know about one operation, resolved once (defaults applied, durations parsed).
 *
 * @param namespace       the namespace of the records
 * @param description     how errors name the operation ({@code OrderService.placeOrder(Order)})
 * @param resultType      the declared type of the result (the value type, for asynchronous operations)
 * @param voidResult      whether the operation returns nothing
 * @param ttl             retention of completed records
 * @param lease           how long a running call owns its key
 * @param inProgress      REJECT or WAIT (never DEFAULT)
 * @param finalExceptions exception types kept and replayed
 * @param shareableResult whether one decoded result may be handed to every duplicate (the type is immutable)
 */
public record OperationSpec(
        String namespace,
        String description,
        Type resultType,
        boolean voidResult,
        Duration ttl,
        Duration lease,
        InProgressPolicy inProgress,
        List<Class<? extends Throwable>> finalExceptions,
        boolean shareableResult) {

    public OperationSpec {
        finalExceptions = List.copyOf(finalExceptions);
    }

    /** An operation spec; whether its results are shareable is read from the result type. */
    public OperationSpec(String namespace, String description, Type resultType, boolean voidResult, Duration ttl,
            Duration lease, InProgressPolicy inProgress, List<Class<? extends Throwable>> finalExceptions) {
        this(namespace, description, resultType, voidResult, ttl, lease, inProgress, finalExceptions,
                ImmutableTypes.isDeeplyImmutable(resultType));
    }

    boolean isFinal(Throwable failure) {
        for (Class<? extends Throwable> type : finalExceptions) {
            if (type.isInstance(failure)) {
                return true;
            }
        }
        return false;
    }
}

package dev.idempotency.internal;

import java.lang.reflect.Type;
import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.idempotency.InProgressPolicy;

/**
 * Everything the engine needs to know about one operation, resolved once (defaults applied, durations parsed, the
 * result type examined).
 *
 * @param namespace       the namespace of the records
 * @param description     how errors name the operation ({@code OrderService.placeOrder(Order)})
 * @param resultType      the declared type of the result (the value type, for asynchronous operations)
 * @param ttl             retention of completed records
 * @param lease           how long a running call owns its key
 * @param inProgress      REJECT or WAIT (never DEFAULT)
 * @param finalExceptions exception types kept and replayed
 * @param voidResult      whether the operation returns nothing
 * @param shareableType   the type under which one decoded result may be cached for every duplicate (the result is
 *                        immutable, or there is none), or null when each duplicate must decode its own
 * @param classLoader     where the types of kept exceptions are looked for first: the loader of the class whose
 *                        method the operation was made from; null for operations made by name
 */
public record OperationSpec(
        String namespace,
        String description,
        Type resultType,
        Duration ttl,
        Duration lease,
        InProgressPolicy inProgress,
        List<Class<? extends Throwable>> finalExceptions,
        boolean voidResult,
        @Nullable Type shareableType,
        @Nullable ClassLoader classLoader) {

    public OperationSpec {
        finalExceptions = List.copyOf(finalExceptions);
    }

    /** An operation spec; whether it returns nothing, and whether its results are shareable, read from its type. */
    public static OperationSpec of(String namespace, String description, Type resultType, Duration ttl,
            Duration lease, InProgressPolicy inProgress, List<Class<? extends Throwable>> finalExceptions,
            @Nullable ClassLoader classLoader) {
        boolean voidResult = resultType == void.class || resultType == Void.class;
        return new OperationSpec(namespace, description, resultType, ttl, lease, inProgress, finalExceptions,
                voidResult, voidResult || ImmutableTypes.isDeeplyImmutable(resultType) ? resultType : null,
                classLoader);
    }

    /**
     * Checks that every final exception type can be rebuilt for a replay.
     *
     * @throws IllegalArgumentException naming the first that cannot
     */
    public static void checkRebuildable(List<Class<? extends Throwable>> finalExceptions) {
        for (Class<? extends Throwable> type : finalExceptions) {
            if (!FailureCodec.isRebuildable(type)) {
                throw new IllegalArgumentException("final exception " + type.getName() + " cannot be rebuilt for a"
                        + " replay: make it a public class with a public constructor taking (String) or nothing");
            }
        }
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

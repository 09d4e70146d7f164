package dev.idempotency.internal;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.Period;
import java.time.ZonedDateTime;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Decides whether values of a type can never change once built, so that one decoded replay value may be handed to
 * every duplicate instead of decoding it again: strings, numbers, enums, common value types, and records (and
 * {@code Optional}s) made only of such types. Collections and ordinary classes are not: a caller could change them.
 */
final class ImmutableTypes {

    private static final Set<Class<?>> VALUE_TYPES = Set.of(String.class, Boolean.class, Character.class,
            Byte.class, Short.class, Integer.class, Long.class, Float.class, Double.class, BigDecimal.class,
            BigInteger.class, UUID.class, Instant.class, LocalDate.class, LocalDateTime.class, LocalTime.class,
            OffsetDateTime.class, ZonedDateTime.class, Duration.class, Period.class);

    private ImmutableTypes() {
    }

    static boolean isDeeplyImmutable(Type type) {
        return isDeeplyImmutable(type, new HashSet<>());
    }

    private static boolean isDeeplyImmutable(Type type, Set<Type> visiting) {
        if (!visiting.add(type)) {
            return true;
        }
        if (type instanceof ParameterizedType parameterized) {
            if (parameterized.getRawType() != Optional.class) {
                return false;
            }
            return isDeeplyImmutable(parameterized.getActualTypeArguments()[0], visiting);
        }
        if (!(type instanceof Class<?> raw)) {
            return false;
        }
        if (raw.isPrimitive() || raw.isEnum() || VALUE_TYPES.contains(raw)) {
            return true;
        }
        if (!raw.isRecord() || raw.getTypeParameters().length > 0) {
            return false;
        }
        for (RecordComponent component : raw.getRecordComponents()) {
            if (!isDeeplyImmutable(component.getGenericType(), visiting)) {
                return false;
            }
        }
        return true;
    }
}

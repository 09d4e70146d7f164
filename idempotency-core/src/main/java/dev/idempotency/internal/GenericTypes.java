package dev.idempotency.internal;

import java.lang.reflect.Array;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * Resolves the type variables of an inherited method's generic types against the class it is called on:
 * {@code T handle()} of {@code Handler<T>} is {@code Receipt handle()} on {@code ReceiptHandler extends
 * Handler<Receipt>}. The types made here are equal to the JDK's own (same {@code equals} and {@code hashCode}).
 */
public final class GenericTypes {

    private GenericTypes() {
    }

    /** {@code type}, declared in a supertype of {@code context}, with the type arguments {@code context} gives. */
    public static Type resolve(Type type, Class<?> context) {
        Map<TypeVariable<?>, Type> bindings = new HashMap<>();
        collect(context, bindings, new HashSet<>());
        return substitute(type, bindings);
    }

    /** Whether {@code type} still holds a type variable, which no value can be read back as. */
    public static boolean hasTypeVariable(Type type) {
        if (type instanceof TypeVariable<?>) {
            return true;
        }
        if (type instanceof ParameterizedType parameterized) {
            return Arrays.stream(parameterized.getActualTypeArguments()).anyMatch(GenericTypes::hasTypeVariable);
        }
        if (type instanceof GenericArrayType array) {
            return hasTypeVariable(array.getGenericComponentType());
        }
        if (type instanceof WildcardType wildcard) {
            return Arrays.stream(wildcard.getUpperBounds()).anyMatch(GenericTypes::hasTypeVariable)
                    || Arrays.stream(wildcard.getLowerBounds()).anyMatch(GenericTypes::hasTypeVariable);
        }
        return false;
    }

    /** Records what each supertype's type variables stand for, nearest class first. */
    private static void collect(Type type, Map<TypeVariable<?>, Type> bindings, Set<Class<?>> seen) {
        Class<?> raw;
        if (type instanceof ParameterizedType parameterized) {
            raw = (Class<?>) parameterized.getRawType();
            TypeVariable<?>[] variables = raw.getTypeParameters();
            Type[] arguments = parameterized.getActualTypeArguments();
            for (int i = 0; i < variables.length; i++) {
                bindings.putIfAbsent(variables[i], substitute(arguments[i], bindings));
            }
        } else if (type instanceof Class<?> plain) {
            raw = plain;
        } else {
            return;
        }
        if (!seen.add(raw)) {
            return;
        }
        Type superclass = raw.getGenericSuperclass();
        if (superclass != null) {
            collect(superclass, bindings, seen);
        }
        for (Type implemented : raw.getGenericInterfaces()) {
            collect(implemented, bindings, seen);
        }
    }

    private static Type substitute(Type type, Map<TypeVariable<?>, Type> bindings) {
        if (type instanceof TypeVariable<?> variable) {
            return bindings.getOrDefault(variable, variable);
        }
        if (type instanceof ParameterizedType parameterized) {
            Type[] arguments = parameterized.getActualTypeArguments();
            Type[] resolved = substituteAll(arguments, bindings);
            Type owner = parameterized.getOwnerType();
            Type resolvedOwner = owner == null ? null : substitute(owner, bindings);
            if (resolved == arguments && resolvedOwner == owner) {
                return type;
            }
            return new Parameterized((Class<?>) parameterized.getRawType(), resolvedOwner, resolved);
        }
        if (type instanceof GenericArrayType array) {
            Type component = substitute(array.getGenericComponentType(), bindings);
            if (component instanceof Class<?> plain) {
                return Array.newInstance(plain, 0).getClass();
            }
            return component == array.getGenericComponentType() ? type : new GenericArray(component);
        }
        if (type instanceof WildcardType wildcard) {
            Type[] upper = substituteAll(wildcard.getUpperBounds(), bindings);
            Type[] lower = substituteAll(wildcard.getLowerBounds(), bindings);
            return upper == wildcard.getUpperBounds() && lower == wildcard.getLowerBounds()
                    ? type : new Wildcard(upper, lower);
        }
        return type;
    }

    /** The types substituted; the same array when none changed. */
    private static Type[] substituteAll(Type[] types, Map<TypeVariable<?>, Type> bindings) {
        Type[] resolved = types;
        for (int i = 0; i < types.length; i++) {
            Type one = substitute(types[i], bindings);
            if (one != types[i]) {
                if (resolved == types) {
                    resolved = types.clone();
                }
                resolved[i] = one;
            }
        }
        return resolved;
    }

    private record Parameterized(Class<?> raw, @Nullable Type owner, Type[] arguments) implements ParameterizedType {

        @Override
        public Type[] getActualTypeArguments() {
            return arguments.clone();
        }

        @Override
        public Type getRawType() {
            return raw;
        }

        @Override
        public @Nullable Type getOwnerType() {
            return owner;
        }

        /** As the JDK's: equal to any parameterized type of the same raw type, owner and arguments. */
        @Override
        public boolean equals(Object o) {
            return o instanceof ParameterizedType other && raw.equals(other.getRawType())
                    && Objects.equals(owner, other.getOwnerType())
                    && Arrays.equals(arguments, other.getActualTypeArguments());
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(arguments) ^ Objects.hashCode(owner) ^ raw.hashCode();
        }

        @Override
        public String toString() {
            return getTypeName();
        }

        @Override
        public String getTypeName() {
            StringBuilder name = new StringBuilder(raw.getTypeName());
            if (arguments.length > 0) {
                name.append('<');
                for (int i = 0; i < arguments.length; i++) {
                    name.append(i == 0 ? "" : ", ").append(arguments[i].getTypeName());
                }
                name.append('>');
            }
            return name.toString();
        }
    }

    private record GenericArray(Type component) implements GenericArrayType {

        @Override
        public Type getGenericComponentType() {
            return component;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof GenericArrayType other && component.equals(other.getGenericComponentType());
        }

        @Override
        public int hashCode() {
            return component.hashCode();
        }

        @Override
        public String toString() {
            return getTypeName();
        }

        @Override
        public String getTypeName() {
            return component.getTypeName() + "[]";
        }
    }

    private record Wildcard(Type[] upper, Type[] lower) implements WildcardType {

        @Override
        public Type[] getUpperBounds() {
            return upper.clone();
        }

        @Override
        public Type[] getLowerBounds() {
            return lower.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof WildcardType other && Arrays.equals(upper, other.getUpperBounds())
                    && Arrays.equals(lower, other.getLowerBounds());
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(upper) ^ Arrays.hashCode(lower);
        }

        @Override
        public String toString() {
            return getTypeName();
        }

        @Override
        public String getTypeName() {
            if (lower.length > 0) {
                return "? super " + lower[0].getTypeName();
            }
            return upper.length == 0 || upper[0] == Object.class ? "?" : "? extends " + upper[0].getTypeName();
        }
    }
}

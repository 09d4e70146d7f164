package dev.idempotency.internal;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.IdentityHashMap;
import java.util.UUID;
import java.util.function.UnaryOperator;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.annotation.JsonInclude;

import tools.jackson.core.JsonGenerator;
import tools.jackson.core.util.JsonGeneratorDelegate;
import tools.jackson.databind.BeanDescription;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.SerializationConfig;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.ser.ValueSerializerModifier;
import tools.jackson.databind.ser.std.StdDelegatingSerializer;
import tools.jackson.databind.type.CollectionType;
import tools.jackson.databind.type.MapType;
import tools.jackson.databind.type.TypeFactory;
import tools.jackson.databind.util.Converter;

/**
 * Turns keys and payloads into stable bytes so that equal requests hash alike, whatever order their objects, maps,
 * sets and JSON trees were built in, and whatever the JVM (set and map iteration orders are salted per JVM). The
 * form is a compatibility promise: records written by one version must match calls of the next, so it only changes
 * with a major version, and a golden-value test guards it. It is the JSON that the serializer's mapper writes, with:
 *
 * <ul>
 *   <li>object properties (of classes, records and {@code JsonNode} trees) in alphabetical order;</li>
 *   <li>map entries in the order of their keys' text (ties, for distinct keys that write the same text, by their
 *       values' canonical bytes), and set elements in the order of their canonical bytes (strings by their
 *       text);</li>
 *   <li>null and absent values (an empty {@code Optional}) left out of objects and maps, so that adding a nullable
 *       field between deploys matches calls made before; list and array elements keep their places;</li>
 *   <li>decimals without trailing zeros: {@code 1.0} and {@code 1.00} are one number.</li>
 * </ul>
 */
final class CanonicalForm {

    /** The fingerprint of a call that gave no payload: every such call matches every other. */
    static final String NO_PAYLOAD = "-";

    private static final Comparator<byte[]> BYTES = Arrays::compareUnsigned;

    private final ObjectMapper mapper;

    CanonicalForm(ObjectMapper base) {
        SimpleModule canonical = new SimpleModule("idempotency-canonical-form");
        canonical.setSerializerModifier(new CanonicalContainers(this));
        this.mapper = base.rebuild()
                .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
                .disable(MapperFeature.SORT_CREATOR_PROPERTIES_FIRST)
                // Maps are ordered here, by their keys' text, which works for keys that are not comparable too.
                .disable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .enable(JsonNodeFeature.WRITE_PROPERTIES_SORTED)
                .disable(JsonNodeFeature.WRITE_NULL_PROPERTIES)
                .changeDefaultPropertyInclusion(inclusion -> inclusion
                        .withValueInclusion(JsonInclude.Include.NON_ABSENT)
                        .withContentInclusion(JsonInclude.Include.NON_ABSENT))
                .addModule(canonical)
                .build();
    }

    /** The key as text, or {@code null} when there is none (null, blank, empty {@code Optional}). */
    @Nullable String key(@Nullable Object key) {
        if (key instanceof Optional<?> optional) {
            key = optional.orElse(null);
        }
        if (key == null) {
            return null;
        }
        String text;
        if (key instanceof CharSequence || key instanceof Number || key instanceof Boolean
                || key instanceof Character || key instanceof UUID || key instanceof Enum<?>) {
            text = key.toString();
        } else {
            text = new String(bytes(key), StandardCharsets.UTF_8);
        }
        return text.isBlank() ? null : text;
    }

    /** The SHA-256 of the payload's canonical JSON, or {@link #NO_PAYLOAD}. */
    String fingerprint(@Nullable Object payload) {
        if (payload == null) {
            return NO_PAYLOAD;
        }
        MessageDigest digest = Hashing.sha256Digest();
        // Streamed into the digest, so a large payload is hashed without a copy.
        write(new DigestOutputStream(OutputStream.nullOutputStream(), digest), payload);
        return Hashing.hex(digest);
    }

    ObjectMapper mapper() {
        return mapper;
    }

    /** The canonical bytes of {@code value}. */
    byte[] bytes(@Nullable Object value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        write(out, value);
        return out.toByteArray();
    }

    private void write(OutputStream out, @Nullable Object value) {
        try (JsonGenerator generator = new PlainDecimals(mapper.createGenerator(out))) {
            mapper.writeValue(generator, value);
        }
    }

    /** Writes every decimal without trailing zeros, wherever it comes from (a field, a map, a JSON tree). */
    private static final class PlainDecimals extends JsonGeneratorDelegate {

        PlainDecimals(JsonGenerator delegate) {
            super(delegate, true);
        }

        @Override
        public JsonGenerator writeNumber(BigDecimal value) {
            return super.writeNumber(value == null ? null : value.stripTrailingZeros());
        }
    }

    /** Orders sets and maps before Jackson writes them. */
    private static final class CanonicalContainers extends ValueSerializerModifier {

        private static final long serialVersionUID = 1L;

        private final transient CanonicalForm form;

        CanonicalContainers(CanonicalForm form) {
            this.form = form;
        }

        @Override
        public ValueSerializer<?> modifyCollectionSerializer(SerializationConfig config, CollectionType type,
                BeanDescription.Supplier description, ValueSerializer<?> serializer) {
            if (!Set.class.isAssignableFrom(type.getRawClass())) {
                return serializer;
            }
            JavaType ordered = config.getTypeFactory().constructCollectionType(OrderedElements.class,
                    type.getContentType());
            return new StdDelegatingSerializer(new Ordering(ordered, set -> form.orderedElements((Collection<?>) set)), ordered, null, null);
        }

        @Override
        public ValueSerializer<?> modifyMapSerializer(SerializationConfig config, MapType type,
                BeanDescription.Supplier description, ValueSerializer<?> serializer) {
            if (type.getRawClass() == OrderedEntries.class) {
                return serializer;
            }
            JavaType ordered = config.getTypeFactory().constructMapType(OrderedEntries.class, type.getKeyType(),
                    type.getContentType());
            return new StdDelegatingSerializer(new Ordering(ordered, map -> form.orderedEntries((Map<?, ?>) map)), ordered, null, null);
        }
    }

    /** A set's elements in canonical order: strings by their text, anything else by its canonical bytes. */
    private OrderedElements<Object> orderedElements(Collection<?> set) {
        OrderedElements<Object> ordered = new OrderedElements<>(set.size());
        if (set.stream().allMatch(String.class::isInstance)) {
            set.stream().map(String.class::cast).sorted().forEach(ordered::add);
            return ordered;
        }
        List<Rendered> rendered = new ArrayList<>(set.size());
        for (Object element : set) {
            rendered.add(new Rendered(element, bytes(element)));
        }
        rendered.sort(Comparator.comparing(Rendered::bytes, BYTES));
        rendered.forEach(r -> ordered.add(r.value()));
        return ordered;
    }

    /** A map's entries by their keys' text; distinct keys of one text by their values' canonical bytes. */
    private OrderedEntries<Object, Object> orderedEntries(Map<?, ?> map) {
        List<Map.Entry<?, ?>> entries = new ArrayList<>(map.entrySet());
        if (entries.stream().allMatch(e -> e.getKey() instanceof String)) {
            entries.sort(Comparator.comparing(e -> (String) e.getKey()));
        } else {
            Map<Object, String> texts = new IdentityHashMap<>();
            entries.forEach(e -> texts.put(e.getKey(), keyText(e.getKey())));
            entries.sort(Comparator.<Map.Entry<?, ?>, String>comparing(e -> texts.get(e.getKey()))
                    .thenComparing(e -> bytes(e.getValue()), BYTES));
        }
        OrderedEntries<Object, Object> ordered = new OrderedEntries<>(entries.size());
        entries.forEach(e -> ordered.put(e.getKey(), e.getValue()));
        return ordered;
    }

    /** The text a key is ordered by: what Jackson writes for the simple types, its canonical JSON otherwise. */
    private String keyText(@Nullable Object key) {
        if (key == null) {
            return "";
        }
        if (key instanceof Enum<?> constant) {
            return constant.name();
        }
        if (key instanceof CharSequence || key instanceof Number || key instanceof Boolean
                || key instanceof Character || key instanceof UUID) {
            return key.toString();
        }
        return new String(bytes(key), StandardCharsets.UTF_8);
    }

    private record Rendered(@Nullable Object value, byte[] bytes) {
    }

    /** A set's elements, ordered: written as the set's array. */
    static final class OrderedElements<E> extends ArrayList<E> {

        private static final long serialVersionUID = 1L;

        OrderedElements(int size) {
            super(size);
        }
    }

    /** A map's entries, ordered: written as the map's object, and never ordered again. */
    static final class OrderedEntries<K, V> extends LinkedHashMap<K, V> {

        private static final long serialVersionUID = 1L;

        OrderedEntries(int size) {
            super(Math.max(16, size * 4 / 3 + 1));
        }
    }

    /** Converts a container to its ordered form just before it is written. */
    private static final class Ordering implements Converter<Object, Object> {

        private final JavaType output;
        private final UnaryOperator<Object> order;

        Ordering(JavaType output, UnaryOperator<Object> order) {
            this.output = output;
            this.order = order;
        }

        @Override
        public Object convert(SerializationContext context, Object value) {
            return order.apply(value);
        }

        @Override
        public Object convert(DeserializationContext context, Object value) {
            throw new UnsupportedOperationException("the canonical form is only written");
        }

        @Override
        public JavaType getInputType(TypeFactory typeFactory) {
            return typeFactory.constructType(Object.class);
        }

        @Override
        public JavaType getOutputType(TypeFactory typeFactory) {
            return output;
        }
    }
}

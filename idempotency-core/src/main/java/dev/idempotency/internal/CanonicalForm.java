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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.IdentityHashMap;
import java.util.UUID;
import java.util.TreeMap;
import java.util.function.BiFunction;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.annotation.JsonInclude;

import tools.jackson.core.JsonGenerator;
import tools.jackson.core.util.JsonGeneratorDelegate;
import tools.jackson.databind.BeanDescription;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.JsonNode;
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
import tools.jackson.databind.util.RawValue;

/**
 * Turns keys and payloads into stable bytes so that equal requests hash alike, whatever order their objects, maps,
 * sets and JSON trees were built in, and whatever the JVM (set and map iteration orders are salted per JVM). The
 * form is a compatibility promise: records written by one version must match calls of the next, so it only changes
 * with a major version, and a golden-value test guards it. It is the JSON that the serializer's mapper writes, with:
 *
 * <ul>
 *   <li>object properties (of classes, records and {@code JsonNode} trees) in alphabetical order;</li>
 *   <li>map entries in the order of their keys' text (ties, for distinct keys that write the same text, by the keys'
 *       types and canonical bytes), entries of an any-getter by name, and set elements in the order of their
 *       canonical bytes (strings by their text);</li>
 *   <li>null and absent values (an empty {@code Optional}) left out of objects and maps, so that adding a nullable
 *       field between deploys matches calls made before; list and array elements keep their places;</li>
 *   <li>decimals without trailing zeros, as values and as map keys: {@code 1.0} and {@code 1.00} are one
 *       number.</li>
 * </ul>
 *
 * <p>A set's elements are written once each, to be ordered, and their bytes then copied into the set, so the work
 * stays linear however deeply sets nest; the nesting limit of Jackson's generators counts across those writes, so
 * a cycle through a set ends in the same {@code StreamConstraintsException} as a cycle through a list.
 */
final class CanonicalForm {

    /** The fingerprint of a call that gave no payload: every such call matches every other. */
    static final String NO_PAYLOAD = "-";

    private static final Comparator<byte[]> BYTES = Arrays::compareUnsigned;

    /**
     * The nesting depth of the writes that this thread's canonical writing is inside of: the elements of a set are
     * written on generators of their own, which must not start the nesting limit afresh.
     */
    private static final ThreadLocal<int[]> OUTER_DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private final ObjectMapper mapper;

    CanonicalForm(ObjectMapper base) {
        SimpleModule canonical = new SimpleModule("idempotency-canonical-form");
        canonical.setSerializerModifier(new CanonicalContainers(this));
        this.mapper = base.rebuild()
                .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
                .disable(MapperFeature.SORT_CREATOR_PROPERTIES_FIRST)
                // Maps are ordered here, as sorted maps that Jackson writes as they are; this orders the rest, the
                // entries of any-getters, which Jackson writes without the serializers that a module can change.
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .disable(SerializationFeature.FAIL_ON_ORDER_MAP_BY_INCOMPARABLE_KEY)
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
            // A composite key whose parts are all missing ({} once its nulls are left out) is no key at all.
            if (!holdsAValue(mapper.readTree(text))) {
                return null;
            }
        }
        return text.isBlank() ? null : text;
    }

    /** Whether a key's canonical form holds anything but nulls, blanks and empty containers. */
    private static boolean holdsAValue(JsonNode node) {
        if (node.isContainer()) {
            for (JsonNode child : node) {
                if (holdsAValue(child)) {
                    return true;
                }
            }
            return false;
        }
        return !node.isNull() && !node.isMissingNode() && !(node.isString() && node.asString().isBlank());
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
        try (JsonGenerator generator = new PlainDecimals(mapper.createGenerator(out), OUTER_DEPTH.get()[0])) {
            mapper.writeValue(generator, value);
        }
    }

    /**
     * Writes every decimal without trailing zeros, wherever it comes from (a field, a map, a JSON tree), and holds
     * its nesting to the generator's limit counted from {@code outerDepth}, the depth of the write it is part of.
     */
    private static final class PlainDecimals extends JsonGeneratorDelegate {

        private final int outerDepth;

        PlainDecimals(JsonGenerator delegate, int outerDepth) {
            super(delegate, true);
            this.outerDepth = outerDepth;
        }

        @Override
        public JsonGenerator writeNumber(BigDecimal value) {
            return super.writeNumber(value == null ? null : value.stripTrailingZeros());
        }

        @Override
        public JsonGenerator writeStartArray() {
            super.writeStartArray();
            return checkNesting();
        }

        @Override
        public JsonGenerator writeStartArray(Object forValue) {
            super.writeStartArray(forValue);
            return checkNesting();
        }

        @Override
        public JsonGenerator writeStartArray(Object forValue, int size) {
            super.writeStartArray(forValue, size);
            return checkNesting();
        }

        @Override
        public JsonGenerator writeStartObject() {
            super.writeStartObject();
            return checkNesting();
        }

        @Override
        public JsonGenerator writeStartObject(Object forValue) {
            super.writeStartObject(forValue);
            return checkNesting();
        }

        @Override
        public JsonGenerator writeStartObject(Object forValue, int size) {
            super.writeStartObject(forValue, size);
            return checkNesting();
        }

        private JsonGenerator checkNesting() {
            if (outerDepth > 0) {
                streamWriteConstraints().validateNestingDepth(outerDepth + streamWriteContext().getNestingDepth());
            }
            return this;
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
            // Written elements (raw bytes) or strings: no type of the set's own content applies any more.
            JavaType ordered = config.getTypeFactory().constructCollectionType(OrderedElements.class, Object.class);
            return new StdDelegatingSerializer(
                    new Ordering(ordered, (context, set) -> form.orderedElements((Collection<?>) set, context)),
                    ordered, null, null);
        }

        @Override
        public ValueSerializer<?> modifyMapSerializer(SerializationConfig config, MapType type,
                BeanDescription.Supplier description, ValueSerializer<?> serializer) {
            if (type.getRawClass() == OrderedEntries.class) {
                return serializer;
            }
            JavaType ordered = config.getTypeFactory().constructMapType(OrderedEntries.class, type.getKeyType(),
                    type.getContentType());
            return new StdDelegatingSerializer(
                    new Ordering(ordered, (context, map) -> form.orderedEntries((Map<?, ?>) map)), ordered, null, null);
        }
    }

    /**
     * A set's elements in canonical order: strings by their text, anything else by its canonical bytes, written once
     * here (one level deeper than the set) and copied as they are into the set.
     */
    private OrderedElements orderedElements(Collection<?> set, SerializationContext context) {
        OrderedElements ordered = new OrderedElements(set.size());
        if (set.stream().allMatch(String.class::isInstance)) {
            set.stream().map(String.class::cast).sorted().forEach(ordered::add);
            return ordered;
        }
        int[] outer = OUTER_DEPTH.get();
        int saved = outer[0];
        JsonGenerator writing = context.getGenerator();
        outer[0] = (writing == null ? saved : saved + writing.streamWriteContext().getNestingDepth()) + 1;
        try {
            List<byte[]> written = new ArrayList<>(set.size());
            for (Object element : set) {
                written.add(bytes(element));
            }
            written.sort(BYTES);
            written.forEach(bytes -> ordered.add(new RawValue(new String(bytes, StandardCharsets.UTF_8))));
        } finally {
            outer[0] = saved;
        }
        return ordered;
    }

    /**
     * A map's entries as a sorted map, which Jackson writes in its order: by the keys' text; distinct keys of one
     * text by their types' names, then their canonical bytes. Decimal keys lose their trailing zeros.
     */
    private OrderedEntries<Object, Object> orderedEntries(Map<?, ?> map) {
        if (map.keySet().stream().allMatch(String.class::isInstance)) {
            OrderedEntries<Object, Object> byName = new OrderedEntries<>(Comparator.comparing(String.class::cast));
            byName.putAll(map);
            return byName;
        }
        Map<Object, String> texts = new IdentityHashMap<>();
        Comparator<@Nullable Object> order = Comparator.comparing(key -> texts.get(key));
        order = order.thenComparing(key -> key == null ? "" : key.getClass().getName())
                .thenComparing(this::bytes, BYTES);
        OrderedEntries<Object, Object> ordered = new OrderedEntries<>(order);
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            Object key = entry.getKey() instanceof BigDecimal decimal ? decimal.stripTrailingZeros() : entry.getKey();
            texts.put(key, keyText(key));
            ordered.put(key, entry.getValue());
        }
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

    /** A set's elements, ordered: written as the set's array. */
    static final class OrderedElements extends ArrayList<Object> {

        private static final long serialVersionUID = 1L;

        OrderedElements(int size) {
            super(size);
        }
    }

    /** A map's entries, ordered: a sorted map, which Jackson writes as it is and never orders again. */
    static final class OrderedEntries<K, V> extends TreeMap<K, V> {

        private static final long serialVersionUID = 1L;

        OrderedEntries(Comparator<? super K> order) {
            super(order);
        }
    }

    /** Converts a container to its ordered form just before it is written. */
    private static final class Ordering implements Converter<Object, Object> {

        private final JavaType output;
        private final BiFunction<SerializationContext, Object, Object> order;

        Ordering(JavaType output, BiFunction<SerializationContext, Object, Object> order) {
            this.output = output;
            this.order = order;
        }

        @Override
        public Object convert(SerializationContext context, Object value) {
            return order.apply(context, value);
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

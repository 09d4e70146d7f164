package dev.idempotency.serialization;

import java.lang.reflect.Type;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import org.jspecify.annotations.Nullable;

import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.JsonRecyclerPools;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Keeps results as JSON with Jackson 3. Records, POJOs, {@code List<T>}/{@code Map<K, V>} generics,
 * {@code Optional} and {@code null} replay as equal values of the declared type. Pass your own
 * {@link ObjectMapper} to reuse its modules and settings.
 */
public final class JacksonResultSerializer implements ResultSerializer {

    private final ObjectMapper mapper;
    private final ConcurrentMap<Type, Codec> codecs = new ConcurrentHashMap<>();

    private JacksonResultSerializer(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /**
     * A serializer with a default {@link JsonMapper} whose buffers are pooled per thread: Jackson's default pool is
     * one shared deque, and every call writes at least one value, so threads would contend on it.
     */
    public static JacksonResultSerializer create() {
        return new JacksonResultSerializer(JsonMapper.builder(
                JsonFactory.builder().recyclerPool(JsonRecyclerPools.threadLocalPool()).build()).build());
    }

    /** A serializer that uses {@code mapper}, with its modules and settings. */
    public static JacksonResultSerializer create(ObjectMapper mapper) {
        return new JacksonResultSerializer(Objects.requireNonNull(mapper, "mapper must not be null"));
    }

    /** The mapper this serializer writes with. */
    public ObjectMapper mapper() {
        return mapper;
    }

    @Override
    public byte[] serialize(@Nullable Object value, Type type) {
        return codec(type).writer.writeValueAsBytes(value);
    }

    @Override
    public @Nullable Object deserialize(byte[] bytes, Type type) {
        return codec(type).reader.readValue(bytes);
    }

    private Codec codec(Type type) {
        Codec codec = codecs.get(type);
        if (codec == null) {
            codec = codecs.computeIfAbsent(type, t -> {
                JavaType javaType = mapper.getTypeFactory().constructType(t);
                return new Codec(mapper.writerFor(javaType), mapper.readerFor(javaType));
            });
        }
        return codec;
    }

    /** A reader and writer bound to one declared type, built once per type. */
    private record Codec(ObjectWriter writer, ObjectReader reader) {
    }

    @Override
    public String toString() {
        return "JacksonResultSerializer[" + mapper.getClass().getSimpleName() + "]";
    }
}

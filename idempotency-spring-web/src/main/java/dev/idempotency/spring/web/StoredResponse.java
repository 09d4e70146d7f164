package dev.idempotency.spring.web;

import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * The first response to a key, as the engine keeps it (through its result serializer): the status, the kept headers
 * in their order, and the body bytes. No body means the response ran but was too large to keep, so a retry is
 * refused rather than run again.
 */
record StoredResponse(int status, Map<String, List<String>> headers, byte @Nullable [] body) {

    /** A rough upper bound of the serialized size: the body in Base64, the headers, and the JSON around them. */
    int estimatedBytes() {
        long size = 64 + (body == null ? 0 : 4L * ((body.length + 2) / 3));
        for (Map.Entry<String, List<String>> header : headers.entrySet()) {
            size += header.getKey().length() + 8;
            for (String value : header.getValue()) {
                size += value.length() * 6L + 4;
            }
        }
        return (int) Math.min(Integer.MAX_VALUE, size);
    }
}

package dev.idempotency.spring.web.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.UUID;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** What the web tests assert on the wire, once: a fresh key, a replay of a first response, a problem answer. */
public final class Wire {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Wire() {
    }

    /** A key no other call of the run has used. */
    public static String newKey() {
        return UUID.randomUUID().toString();
    }

    /** {@code replay} is {@code first} again, byte for byte, and says it is a replay; {@code first} does not. */
    public static void assertReplayOf(HttpResponse<byte[]> replay, HttpResponse<byte[]> first) {
        assertThat(replay.statusCode()).isEqualTo(first.statusCode());
        assertThat(WebApp.text(replay)).isEqualTo(WebApp.text(first));
        assertThat(replay.body()).isEqualTo(first.body());
        assertThat(replay.headers().firstValue("Content-Type")).isEqualTo(first.headers().firstValue("Content-Type"));
        assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    }

    /** An RFC 9457 problem answer with {@code status} and {@code title}, and a detail; its body, to look further. */
    public static JsonNode assertProblem(HttpResponse<byte[]> response, int status, String title) {
        assertThat(response.statusCode()).as(WebApp.text(response)).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
                assertThat(type).startsWith("application/problem+json"));
        JsonNode problem = JSON.readTree(response.body());
        assertThat(problem.path("status").asInt()).isEqualTo(status);
        assertThat(problem.path("title").asString()).isEqualTo(title);
        assertThat(problem.path("detail").asString()).isNotBlank();
        return problem;
    }
}

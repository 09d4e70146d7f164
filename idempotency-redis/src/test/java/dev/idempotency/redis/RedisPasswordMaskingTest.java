package dev.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.idempotency.IdempotencyStoreException;

/**
 * A password in the URI never shows: not in the builder's refusal, the store's {@code toString()} (the startup
 * line prints it), a failure's message or its causes, nor what the client logs. Nothing listens on the port, so
 * every call fails at connect; the passwords hold characters that URIs reserve, as people do write them.
 */
class RedisPasswordMaskingTest {

    private static final String SECRET_PART = "cr3t";

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "redis://:s3cr3t@127.0.0.1:%d",
            "redis://user:s3cr3t@127.0.0.1:%d/0",
            "rediss://user:s3cr3t@127.0.0.1:%d",
            "redis-sentinel://:s3cr3t@127.0.0.1:%d#mymaster",
            "redis://:s3/cr3t@127.0.0.1:%d",
            "redis://:s3#cr3t@127.0.0.1:%d",
            "redis://:s3?cr3t@127.0.0.1:%d",
            "redis://user:s3@cr3t@127.0.0.1:%d",
            "redis://:s3%%2Fcr3t@127.0.0.1:%d",
    })
    void neverShowsThePassword(String template) throws IOException {
        String uri = template.formatted(freePort());
        List<String> shown = new ArrayList<>();
        PrintStream err = System.err;
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        System.setErr(new PrintStream(logged, true, StandardCharsets.UTF_8));
        try {
            RedisIdempotencyStore store = RedisIdempotencyStore.builder().uri(uri)
                    .timeout(Duration.ofMillis(300)).build();
            try (store) {
                shown.add(store.toString());
                try {
                    store.find("masked#1");
                } catch (IdempotencyStoreException e) {
                    addChain(shown, e);
                }
                try {
                    store.ping(Duration.ofMillis(300));
                } catch (IdempotencyStoreException e) {
                    addChain(shown, e);
                }
            }
        } catch (IllegalArgumentException refused) {
            addChain(shown, refused);
        } finally {
            System.setErr(err);
        }
        shown.add(logged.toString(StandardCharsets.UTF_8));

        assertThat(shown).isNotEmpty().allSatisfy(text -> assertThat(text).doesNotContain(SECRET_PART)
                .doesNotContain("s3"));
    }

    private static void addChain(List<String> shown, Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            shown.add(t.toString());
            for (Throwable suppressed : t.getSuppressed()) {
                shown.add(suppressed.toString());
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return free.getLocalPort();
        }
    }
}

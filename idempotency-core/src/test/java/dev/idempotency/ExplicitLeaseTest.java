package dev.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.idempotency.testing.MutableClock;

/**
 * "A lease left unset follows a shorter ttl, so that a short ttl alone works; one that is set must fit." The
 * application sets the lease explicitly ({@code idempotency.lease=60s}: its bodies run up to 45 s), and one operation
 * a short ttl ({@code @Idempotent(ttl = "30s")}). The operation's own lease is unset, so the engine shortens the
 * application's explicit lease to the ttl, silently, instead of refusing the mismatch as it refuses an explicit lease
 * longer than the ttl. A body that runs 45 s loses its key at 30 s, and a retry runs it a second time, concurrently.
 */
class ExplicitLeaseTest {

    private final MutableClock clock = MutableClock.startingNow();
    private final AtomicInteger runs = new AtomicInteger();

    @Test
    void neverShortensALeaseTheApplicationSetExplicitly() {
        Idempotency idempotency = Idempotency.builder()
                .config(IdempotencyConfig.builder().clock(clock).lease(Duration.ofSeconds(60)).build()).build();
        IdempotentOperation<String> export;
        try {
            export = idempotency.operation("reports.export", String.class).ttl(Duration.ofSeconds(30)).build();
        } catch (IllegalArgumentException refused) {
            return;
        }

        String first = export.execute("k-1", () -> {
            runs.incrementAndGet();
            clock.advance(Duration.ofSeconds(31));
            // The client's retry, 31 s into a 45 s run.
            export.execute("k-1", () -> "report run " + runs.incrementAndGet());
            clock.advance(Duration.ofSeconds(14));
            return "report run 1";
        });

        // Fails: the lease is 30 s; the retry claimed the key and ran the body again (runs == 2).
        assertThat(runs).hasValue(1);
        assertThat(first).isEqualTo("report run 1");
        assertThat(export.lease()).isEqualTo(Duration.ofSeconds(60));
    }
}

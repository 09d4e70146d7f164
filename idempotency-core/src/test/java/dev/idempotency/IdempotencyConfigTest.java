package dev.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;

import org.junit.jupiter.api.Test;

class IdempotencyConfigTest {

    @Test
    void hasTheDocumentedDefaults() {
        IdempotencyConfig config = IdempotencyConfig.defaults();

        assertThat(config.ttl()).isEqualTo(Duration.ofHours(24)).isEqualTo(IdempotencyConfig.DEFAULT_TTL);
        assertThat(config.lease()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.inProgressPolicy()).isEqualTo(InProgressPolicy.REJECT);
        assertThat(config.waitTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.waitInitialBackoff()).isEqualTo(Duration.ofMillis(20));
        assertThat(config.waitMaxBackoff()).isEqualTo(Duration.ofMillis(500));
        assertThat(config.localCacheEnabled()).isTrue();
        assertThat(config.localCacheMaxSize()).isEqualTo(10_000);
        assertThat(config.missingKeyPolicy()).isEqualTo(MissingKeyPolicy.REJECT);
        assertThat(config.storeFailurePolicy()).isEqualTo(StoreFailurePolicy.FAIL_CLOSED);
        assertThat(config.clock()).isEqualTo(Clock.systemUTC());
    }

    @Test
    void copiesEveryValueIntoANewBuilder() {
        IdempotencyConfig config = IdempotencyConfig.builder().ttl(Duration.ofMinutes(5))
                .lease(Duration.ofSeconds(5)).inProgressPolicy(InProgressPolicy.WAIT).localCacheEnabled(false)
                .localCacheMaxSize(3).missingKeyPolicy(MissingKeyPolicy.RUN_UNPROTECTED).build();

        IdempotencyConfig copy = config.toBuilder().build();

        assertThat(copy.toString()).isEqualTo(config.toString());
        assertThat(copy.toString()).contains("ttl=PT5M", "lease=PT5S", "inProgressPolicy=WAIT",
                "localCacheEnabled=false", "localCacheMaxSize=3", "missingKeyPolicy=RUN_UNPROTECTED");
    }

    @Test
    void saysWhatIsWrongWithABadValueAtOnce() {
        IdempotencyConfig.Builder builder = IdempotencyConfig.builder();

        assertThatThrownBy(() -> builder.ttl(Duration.ofSeconds(-1)))
                .hasMessage("ttl must be positive, but was PT-1S");
        assertThatThrownBy(() -> builder.lease(Duration.ZERO)).hasMessage("lease must be positive, but was PT0S");
        assertThatThrownBy(() -> builder.localCacheMaxSize(0))
                .hasMessageStartingWith("localCacheMaxSize must be positive, but was 0");
        assertThatThrownBy(() -> builder.inProgressPolicy(InProgressPolicy.DEFAULT))
                .hasMessage("inProgressPolicy must be REJECT or WAIT, but was DEFAULT");
        assertThatThrownBy(() -> builder.clock(null)).hasMessage("clock must not be null");
    }

    @Test
    void refusesALeaseLongerThanTheTtl() {
        assertThatThrownBy(() -> IdempotencyConfig.builder().ttl(Duration.ofMinutes(1))
                .lease(Duration.ofMinutes(2)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("lease (PT2M) must not be longer than ttl (PT1M): a record would expire while its call"
                        + " still runs. Shorten the lease or lengthen the ttl.");
    }

    @Test
    void refusesAnInitialBackoffAboveTheMaximum() {
        assertThatThrownBy(() -> IdempotencyConfig.builder().waitInitialBackoff(Duration.ofSeconds(2)).build())
                .hasMessage("waitInitialBackoff (PT2S) must not be longer than waitMaxBackoff (PT0.5S)");
    }
}

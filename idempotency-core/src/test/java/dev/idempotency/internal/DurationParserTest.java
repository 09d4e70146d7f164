package dev.idempotency.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class DurationParserTest {

    @Test
    void readsTheShortFormsAndIso8601() {
        assertThat(DurationParser.parse("500ms", "x")).isEqualTo(Duration.ofMillis(500));
        assertThat(DurationParser.parse("30s", "x")).isEqualTo(Duration.ofSeconds(30));
        assertThat(DurationParser.parse("10m", "x")).isEqualTo(Duration.ofMinutes(10));
        assertThat(DurationParser.parse(" 24h ", "x")).isEqualTo(Duration.ofHours(24));
        assertThat(DurationParser.parse("7d", "x")).isEqualTo(Duration.ofDays(7));
        assertThat(DurationParser.parse("PT1M30S", "x")).isEqualTo(Duration.ofSeconds(90));
        assertThat(DurationParser.parse("pt2h", "x")).isEqualTo(Duration.ofHours(2));
    }

    @Test
    void namesWhatItCouldNotParseAndTheFormsItAccepts() {
        assertThatThrownBy(() -> DurationParser.parse("soon", "idempotency.ttl"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Cannot parse idempotency.ttl 'soon': write a duration such as 500ms, 30s, 10m, 24h, 7d,"
                        + " or ISO-8601 such as PT10M");
        assertThatThrownBy(() -> DurationParser.parse("P", "lease")).hasMessageStartingWith("Cannot parse lease 'P'");
    }

    @Test
    void refusesZeroAndNegativeDurations() {
        assertThatThrownBy(() -> DurationParser.parse("0s", "lease"))
                .hasMessage("lease must be positive, but was '0s'");
        assertThatThrownBy(() -> DurationParser.parse("PT-5S", "lease"))
                .hasMessage("lease must be positive, but was 'PT-5S'");
    }
}

package dev.idempotency.internal;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the durations people write in annotations and properties: {@code 500ms}, {@code 30s}, {@code PT10M}. */
public final class DurationParser {

    private static final Pattern SIMPLE = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    private DurationParser() {
    }

    /**
     * Parses {@code text} as a positive duration.
     *
     * @param what what the value is, for the error ("ttl of @Idempotent on OrderService.placeOrder")
     * @throws IllegalArgumentException naming {@code what}, the value and the accepted forms
     */
    public static Duration parse(String text, String what) {
        String trimmed = text.trim();
        Duration duration = null;
        Matcher simple = SIMPLE.matcher(trimmed.toLowerCase(java.util.Locale.ROOT));
        if (simple.matches()) {
            long amount = Long.parseLong(simple.group(1));
            duration = switch (simple.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
        } else if (trimmed.toUpperCase(java.util.Locale.ROOT).startsWith("P")) {
            try {
                duration = Duration.parse(trimmed);
            } catch (DateTimeParseException ignored) {
                // reported below with the accepted forms
            }
        }
        if (duration == null) {
            throw new IllegalArgumentException("Cannot parse " + what + " '" + text
                    + "': write a duration such as 500ms, 30s, 10m, 24h, 7d, or ISO-8601 such as PT10M");
        }
        if (duration.isZero() || duration.isNegative()) {
            throw new IllegalArgumentException(what + " must be positive, but was '" + text + "'");
        }
        return duration;
    }
}

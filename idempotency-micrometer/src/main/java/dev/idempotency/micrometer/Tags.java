package dev.idempotency.micrometer;

import java.util.Locale;

/** Tag values of enum constants: their names in lower case, as Micrometer's conventions write tag values. */
final class Tags {

    private Tags() {
    }

    static String lowerCase(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT);
    }
}

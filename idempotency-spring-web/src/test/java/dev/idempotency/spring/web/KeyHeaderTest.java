package dev.idempotency.spring.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The key of an Idempotency-Key header: RFC 8941 sf-strings and the unquoted form, 255 characters at most. */
class KeyHeaderTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"8e03978e-40d5-43e8-bc93-6894a57f9324\"|8e03978e-40d5-43e8-bc93-6894a57f9324",
            "8e03978e-40d5-43e8-bc93-6894a57f9324|8e03978e-40d5-43e8-bc93-6894a57f9324",
            "\"with space\"|with space",
            "\"quote \\\" and backslash \\\\\"|quote \" and backslash \\",
            "  padded  |padded",
            "base64/+=|base64/+=" })
    void readsTheKey(String header, String key) {
        assertThat(KeyHeader.parse(header, "Idempotency-Key", "http")).isEqualTo(key);
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "\"\"", "\"open", "\"a\"b", "\"a\";p=1", "a,b", "a;p=1", "two words", "\"\\n\"",
            "caf\u00e9", "\"caf\u00e9\"", "\"tab\there\"" })
    void refusesAMalformedKey(String header) {
        assertThatThrownBy(() -> KeyHeader.parse(header, "Idempotency-Key", "http"))
                .isInstanceOf(KeyHeader.InvalidKeyException.class)
                .hasMessageStartingWith("The Idempotency-Key header ");
    }

    @ParameterizedTest
    @ValueSource(ints = { 1, 255 })
    void takesKeysUpTo255Characters(int length) {
        assertThat(KeyHeader.parse("k".repeat(length), "Idempotency-Key", "http")).hasSize(length);
    }

    @ParameterizedTest
    @ValueSource(ints = { 256, 10_000 })
    void refusesLongerKeys(int length) {
        assertThatThrownBy(() -> KeyHeader.parse("\"" + "k".repeat(length) + "\"", "Idempotency-Key", "http"))
                .hasMessageContaining(length + " characters long, more than the 255 allowed");
    }

    @Test
    void neverScopesTwoPairsAlike() {
        // Joined naively ("scope:key"), these pairs would meet; and no key reaches another caller's scope.
        List<String> scoped = List.of(KeyHeader.scoped(null, "1:a:b"), KeyHeader.scoped("1", "a:b"),
                KeyHeader.scoped("1:a", "b"), KeyHeader.scoped("", "1:a:b"), KeyHeader.scoped(null, "-:x"),
                KeyHeader.scoped("-", "x"), KeyHeader.scoped(null, "x"));

        assertThat(Set.copyOf(scoped)).hasSameSizeAs(scoped);
    }
}

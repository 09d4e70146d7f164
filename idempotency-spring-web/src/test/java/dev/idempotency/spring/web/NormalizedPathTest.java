package dev.idempotency.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The path in the fingerprint: percent-encoding normalised as RFC 3986 (6.2.2) says, reserved escapes kept. */
class NormalizedPathTest {

    @Test
    void decodesEscapedUnreservedCharacters() {
        assertThat(IdempotentHandlerAdapter.normalizedPath("/items/a%62c")).isEqualTo("/items/abc");
        assertThat(IdempotentHandlerAdapter.normalizedPath("/items/%7Ea%2d%2E%5f")).isEqualTo("/items/~a-._");
    }

    @Test
    void keepsAnEscapedSlashApartFromTheSeparatorWithUpperCaseHex() {
        assertThat(IdempotentHandlerAdapter.normalizedPath("/items/a%2fb")).isEqualTo("/items/a%2Fb");
        assertThat(IdempotentHandlerAdapter.normalizedPath("/items/a%2Fb")).isNotEqualTo("/items/a/b");
        assertThat(IdempotentHandlerAdapter.normalizedPath("/items/caf%c3%a9")).isEqualTo("/items/caf%C3%A9");
    }

    @Test
    void leavesAMalformedEscapeAsItIs() {
        assertThat(IdempotentHandlerAdapter.normalizedPath("/items/a%6")).isEqualTo("/items/a%6");
        assertThat(IdempotentHandlerAdapter.normalizedPath("/items/a%zz")).isEqualTo("/items/a%zz");
    }

    @Test
    void leavesOutTheContainersSessionIdPathParameterAndKeepsOtherParameters() {
        assertThat(IdempotentHandlerAdapter.normalizedPath("/items/abc;jsessionid=0123ABCD")).isEqualTo("/items/abc");
        assertThat(IdempotentHandlerAdapter.normalizedPath("/items;JSESSIONID=x/abc")).isEqualTo("/items/abc");
        assertThat(IdempotentHandlerAdapter.normalizedPath("/items/abc;color=red")).isEqualTo("/items/abc;color=red");
    }
}

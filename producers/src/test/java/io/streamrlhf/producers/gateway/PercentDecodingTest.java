package io.streamrlhf.producers.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Strict percent-decoding: escapes of two hex digits making valid UTF-8, else an error. */
class PercentDecodingTest {

    @Test
    void decodesEscapesAndMultiByteCharacters() {
        assertThat(PercentDecoding.decode("globex%3Abob", false)).isEqualTo("globex:bob");
        assertThat(PercentDecoding.decode("caf%C3%A9", false)).isEqualTo("café");
        assertThat(PercentDecoding.decode("a+b", false)).isEqualTo("a+b");
        assertThat(PercentDecoding.decode("a+b", true)).isEqualTo("a b");
        assertThat(PercentDecoding.decode("\uD83D\uDE00", false)).isEqualTo("\uD83D\uDE00");
    }

    @Test
    void refusesEscapesThatAreNotUtf8OrNotTwoHexDigits() {
        assertThatThrownBy(() -> PercentDecoding.decode("%FF", false)).hasMessageContaining("UTF-8");
        assertThatThrownBy(() -> PercentDecoding.decode("%C3%28", false)).hasMessageContaining("UTF-8");
        assertThatThrownBy(() -> PercentDecoding.decode("%zz", false)).hasMessageContaining("two hex digits");
        assertThatThrownBy(() -> PercentDecoding.decode("ab%4", false)).hasMessageContaining("two hex digits");
        assertThatThrownBy(() -> PercentDecoding.decode("ab%", true)).hasMessageContaining("two hex digits");
    }
}

package io.streamrlhf.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ParsersTest {

    enum Color {
        RED,
        DARK_BLUE
    }

    @Test
    void readsEveryDurationSyntax() {
        assertThat(Parsers.duration("k", "250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Parsers.duration("k", "30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Parsers.duration("k", "5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Parsers.duration("k", "2h")).isEqualTo(Duration.ofHours(2));
        assertThat(Parsers.duration("k", "7d")).isEqualTo(Duration.ofDays(7));
        assertThat(Parsers.duration("k", "PT30S")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Parsers.duration("k", "pt0.2s")).isEqualTo(Duration.ofMillis(200));
        assertThat(Parsers.duration("k", " 0s ")).isEqualTo(Duration.ZERO);
    }

    @ParameterizedTest
    @ValueSource(strings = {"30", "30 s", "30sec", "-5s", "1.5s", "s", "PT", "thirty seconds", "5M"})
    void refusesDurationsItWouldHaveToGuess(String text) {
        assertThatThrownBy(() -> Parsers.duration("trainer.publish.every", text))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Setting trainer.publish.every='" + text + "' is not valid: expected a duration"
                        + " such as 250ms, 30s, 5m, 1h, 7d or PT30S")
                .hasMessageContaining("--set trainer.publish.every=")
                .hasMessageContaining("STREAMRLHF_TRAINER_PUBLISH_EVERY=");
    }

    @Test
    void readsOnlyTrueAndFalseAsBooleans() {
        assertThat(Parsers.bool("k", "true")).isTrue();
        assertThat(Parsers.bool("k", "FALSE")).isFalse();
        assertThat(Parsers.bool("k", " True ")).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ture", "yes", "1", "on", "no", ""})
    void refusesMisspelledBooleans(String text) {
        assertThatThrownBy(() -> Parsers.bool("trainer.model.tied", text))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(
                        "Setting trainer.model.tied='" + text + "' is not valid: expected true or false");
    }

    @Test
    void readsNumbers() {
        assertThat(Parsers.integer("k", " 42 ")).isEqualTo(42);
        assertThat(Parsers.longValue("k", "-9000000000")).isEqualTo(-9_000_000_000L);
        assertThat(Parsers.decimal("k", "1e-4")).isEqualTo(0.0001);
        assertThat(Parsers.decimal("k", "0.5")).isEqualTo(0.5);
    }

    @Test
    void namesKeyAndValueOfBadNumbers() {
        assertThatThrownBy(() -> Parsers.integer("streams.threads", "two"))
                .hasMessageStartingWith("Setting streams.threads='two' is not valid: expected a whole number between"
                        + " -2147483648 and 2147483647");
        assertThatThrownBy(() -> Parsers.integer("streams.threads", "3000000000"))
                .hasMessageStartingWith("Setting streams.threads='3000000000' is not valid");
        assertThatThrownBy(() -> Parsers.integer("streams.threads", "1.0"))
                .hasMessageStartingWith("Setting streams.threads='1.0' is not valid");
        assertThatThrownBy(() -> Parsers.longValue("trainer.model.seed", "4x"))
                .hasMessageStartingWith("Setting trainer.model.seed='4x' is not valid: expected a whole number");
        assertThatThrownBy(() -> Parsers.decimal("trainer.optimizer.lr", "NaN"))
                .hasMessageStartingWith("Setting trainer.optimizer.lr='NaN' is not valid: expected a finite number");
        assertThatThrownBy(() -> Parsers.decimal("trainer.optimizer.lr", "1e-4d"))
                .hasMessageStartingWith("Setting trainer.optimizer.lr='1e-4d' is not valid");
        assertThatThrownBy(() -> Parsers.decimal("trainer.optimizer.lr", "Infinity"))
                .hasMessageStartingWith("Setting trainer.optimizer.lr='Infinity' is not valid");
    }

    @Test
    void readsEnumsByNameIgnoringCaseAndDashes() {
        assertThat(Parsers.enumeration("k", "dark-blue", Color.class)).isEqualTo(Color.DARK_BLUE);
        assertThatThrownBy(() -> Parsers.enumeration("ui.color", "green", Color.class))
                .hasMessageStartingWith("Setting ui.color='green' is not valid: expected one of RED, DARK_BLUE");
    }

    @Test
    void formatsDurationsInTheShortestSyntax() {
        assertThat(Parsers.format(Duration.ofMillis(250))).isEqualTo("250ms");
        assertThat(Parsers.format(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(Parsers.format(Duration.ofMinutes(10))).isEqualTo("10m");
        assertThat(Parsers.format(Duration.ofDays(7))).isEqualTo("7d");
        assertThat(Parsers.format(Duration.ZERO)).isEqualTo("0s");
    }
}

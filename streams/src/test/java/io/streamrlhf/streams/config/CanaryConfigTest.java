package io.streamrlhf.streams.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CanaryConfigTest {

    @Test
    void isOffByDefaultAndWatchesTheThreeConstraintJudges() {
        CanaryConfig c = CanaryConfig.fromProperties(Map.of());
        assertThat(c.enabled()).isFalse();
        assertThat(c.judges()).containsExactly("format", "length-bounds", "banned-phrases");
        assertThat(c.defaultOutcome()).isEqualTo(CanaryDefault.ROLLED_BACK);
    }

    @Test
    void readsEveryKeyAndNoneAsNoJudges() {
        CanaryConfig c = CanaryConfig.fromProperties(Map.of(
                "canary.enabled", "true",
                "canary.alpha", "0.01",
                "canary.judges", "none",
                "canary.max.duration", "2h",
                "canary.default.outcome", "PROMOTED"));
        assertThat(c.enabled()).isTrue();
        assertThat(c.alpha()).isEqualTo(0.01);
        assertThat(c.judges()).isEmpty();
        assertThat(c.maxDuration()).isEqualTo(Duration.ofHours(2));
        assertThat(c.defaultOutcome()).isEqualTo(CanaryDefault.PROMOTED);
        assertThat(CanaryConfig.fromProperties(Map.of("canary.judges", " format , exact-answer ,format"))
                        .judges())
                .containsExactly("format", "exact-answer");
    }

    @Test
    void refusesAnAlphaOutsideZeroToOneNamingTheKey() {
        assertThatThrownBy(() -> CanaryConfig.fromProperties(Map.of("canary.alpha", "1.5")))
                .hasMessageContaining("canary.alpha");
    }
}

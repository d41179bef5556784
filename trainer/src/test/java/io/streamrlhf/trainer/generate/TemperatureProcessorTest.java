package io.streamrlhf.trainer.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TemperatureProcessorTest {

    @Test
    void dividesEveryLogitByTheTemperature() {
        // given
        float[] scores = {2f, 1f, 0f, -3f, Float.NEGATIVE_INFINITY};
        // when
        new TemperatureProcessor(0.5).process(scores);
        // then
        assertThat(scores).containsExactly(4f, 2f, 0f, -6f, Float.NEGATIVE_INFINITY);
    }

    @Test
    void aTemperatureAboveOneFlattens() {
        float[] scores = {2f, 1f, 0f};
        new TemperatureProcessor(2.0).process(scores);
        assertThat(scores).containsExactly(1f, 0.5f, 0f);
    }

    @Test
    void rejectsZeroNegativeAndInfiniteTemperatures() {
        assertThatThrownBy(() -> new TemperatureProcessor(0)).hasMessageContaining("greedy");
        assertThatThrownBy(() -> new TemperatureProcessor(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TemperatureProcessor(Double.POSITIVE_INFINITY))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

package io.streamrlhf.bench.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LearningCurveSummaryTest {

    private static LearningCurveExperiment.Point at(double minutes, double rate) {
        return new LearningCurveExperiment.Point("kto", 0, minutes, 0, rate, 10, 1);
    }

    @Test
    void gainAfterMinuteThreeCountsOnlyLaterVersionsAgainstVersionZero() {
        // v0 at 20 %; versions before minute 3 do not count, however good
        List<LearningCurveExperiment.Point> points =
                List.of(at(0, 0.20), at(2.5, 0.90), at(3.5, 0.30), at(4, 0.50), at(5, 0.41));

        String summary = LearningCurveExperiment.gainAfter(points, 3);

        // gains +10, +30, +21: mean 61 / 3 = 20.33
        assertThat(summary)
                .isEqualTo("after minute 3: gain over v0 (20.0%) min/mean/max +10.0/+20.3/+30.0 points over 3 versions,"
                        + " 1 at +25 or more, 2 at +15 or more");
    }

    @Test
    void aRunWithNoVersionAfterMinuteThreeSaysSo() {
        assertThat(LearningCurveExperiment.gainAfter(List.of(at(0, 0.2), at(1, 0.3)), 3))
                .isEqualTo("after minute 3: no version");
    }
}

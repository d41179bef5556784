package io.streamrlhf.bench.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LearningCurveSummaryTest {

    private static LearningCurveExperiment.Point at(double minutes, double rate) {
        return new LearningCurveExperiment.Point("kto", 0, minutes, 0, rate, 10, 1, 10);
    }

    private static LearningCurveExperiment.Point lengths(long version, double minutes, double all, double ended) {
        return new LearningCurveExperiment.Point("dpo", version, minutes, 0, 0.5, all, 0.9, ended);
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

    @Test
    void lengthAfterMinuteThreeSetsAllAnswersBesideTheEndedOnes() {
        // v0 19.0 over all answers, 16.5 over the ended ones; later versions 14/14 and 12/10, the last with none ended
        List<LearningCurveExperiment.Point> points = List.of(
                lengths(0, 0, 19.0, 16.5),
                lengths(5, 2, 30.0, 1.0),
                lengths(9, 3.5, 14.0, 14.0),
                lengths(12, 5, 12.0, 10.0),
                lengths(13, 6, 48.0, Double.NaN));

        // after minute 3: all (14 + 12 + 48) / 3 = 24.67, ended (14 + 10) / 2 = 12.0; lowest 12.0 and 10.0
        assertThat(LearningCurveExperiment.lengthAfter(points, 3))
                .isEqualTo("held-out length in tokens, all/ended answers: v0 19.0/16.5, after minute 3 mean 24.7/12.0"
                        + " (lowest 12.0/10.0), last v13 48.0/NaN");
        assertThat(LearningCurveExperiment.lengthAfter(points.subList(0, 2), 3))
                .isEqualTo("held-out length in tokens, all/ended answers: v0 19.0/16.5, no version after minute 3,"
                        + " last v5 30.0/1.0");
    }
}

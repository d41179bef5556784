package io.streamrlhf.streams.canary;

import java.util.List;

/**
 * The result of evaluating a canary at one moment.
 *
 * @param outcome continue, promote or roll back
 * @param reason why, in a sentence (names the deciding metric)
 * @param metrics every metric's statistics, thumbs up first, then the judges in configured order
 */
public record CanaryEvaluation(CanaryOutcome outcome, String reason, List<MetricResult> metrics) {

    public CanaryEvaluation {
        metrics = List.copyOf(metrics);
    }

    /** True when the evaluation ends the canary. */
    public boolean decided() {
        return outcome != CanaryOutcome.CONTINUE;
    }
}

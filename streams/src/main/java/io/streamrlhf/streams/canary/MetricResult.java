package io.streamrlhf.streams.canary;

/**
 * One metric of one evaluation, with the statistics behind its verdict.
 *
 * @param metric the metric's name ({@value SequentialCanaryTest#THUMBS_UP} or {@code judge:<id>})
 * @param counts the counts it was computed from
 * @param difference the confidence sequence of canary rate minus parent rate at this time
 * @param harmBoundary the difference beyond which the canary is worse: the thumbs-up difference's upper end below
 *     {@code -margin}, or a judge failure difference's lower end above 0
 * @param safeBoundary the difference within which the canary is shown safe: the thumbs-up difference's lower end
 *     above {@code -margin}, or a judge failure difference's upper end below the judge margin
 * @param alpha the error spent on this metric (the family's alpha split evenly, Bonferroni)
 * @param verdict where the metric stands
 */
public record MetricResult(
        String metric,
        ArmCounts counts,
        RateInterval difference,
        double harmBoundary,
        double safeBoundary,
        double alpha,
        MetricVerdict verdict) {

    /** The canary's empirical rate, or NaN without observations. */
    public double canaryRate() {
        return counts.canaryTrials() == 0 ? Double.NaN : (double) counts.canaryHits() / counts.canaryTrials();
    }

    /** The parent's empirical rate, or NaN without observations. */
    public double parentRate() {
        return counts.parentTrials() == 0 ? Double.NaN : (double) counts.parentHits() / counts.parentTrials();
    }
}

package io.streamrlhf.streams.canary;

import io.streamrlhf.streams.config.CanaryConfig;
import io.streamrlhf.streams.config.CanaryDefault;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The anytime-valid sequential test that decides a canary policy version against its parent (the promoted version)
 * over the same period: non-inferiority of the thumbs-up rate with a margin, and no rise of any constraint judge's
 * failure rate. It may be evaluated after every observation without inflating its error.
 *
 * <p><b>Statistics.</b> Each arm's rate of each metric has a time-uniform confidence sequence ({@link
 * RateInterval#bernoulli}, Robbins' normal mixture with Ville's inequality, see {@link NormalMixture}) at level
 * {@code α_m / 2}; the difference canary minus parent then lies in {@code [canary.low - parent.high, canary.high -
 * parent.low]} at every time with probability at least {@code 1 - α_m} (union bound over the two arms, which need not
 * see equal or synchronised samples). The family's {@code α} is split evenly over the thumbs-up rate and the
 * {@code J} listed judges, {@code α_m = α / (1 + J)} (Bonferroni), so with probability at least {@code 1 - α} no
 * metric's sequence ever misses its true difference.
 *
 * <p><b>Decision.</b> Thumbs up: HARM when the difference's upper end falls below {@code -thumbsMargin}, SAFE when
 * its lower end rises above it. Each judge's failure rate: HARM when the difference's lower end rises above 0 (a
 * significant rise), SAFE when its upper end falls below {@code judgeMargin}. A metric decides nothing until both of
 * its arms have {@code minSamples} observations. ROLLED_BACK as soon as any metric shows HARM (a judge's rise wins
 * even while thumbs rise); PROMOTED when every metric is SAFE; at {@code maxDuration} the configured default.
 *
 * <p><b>Guarantees.</b> A canary as good as its parent on every metric is rolled back by the test (not by the
 * default) with probability at most {@code α}; one whose thumbs-up rate is lower by more than the margin is promoted
 * with probability at most {@code α_m}. The sequences assume only that each arm's observations are independent with
 * a constant rate over the canary period; with Hoeffding's variance proxy they are conservative for rates far from
 * 1/2.
 */
public final class SequentialCanaryTest {

    /** The thumbs-up metric's name. */
    public static final String THUMBS_UP = "thumbs-up";
    /** The prefix of a judge failure metric's name. */
    public static final String JUDGE_PREFIX = "judge:";

    private final CanaryConfig config;
    private final double metricAlpha;
    private final double rho;

    public SequentialCanaryTest(CanaryConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.metricAlpha = config.alpha() / (1 + config.judges().size());
        // Tightest at the configured per-arm sample: intrinsic time n/4 under Hoeffding's variance proxy.
        this.rho = NormalMixture.bestRho(config.tuningSamples() / 4.0, metricAlpha / 2);
    }

    /** The metric names in evaluation order: thumbs up, then {@code judge:<id>} for each listed judge. */
    public List<String> metrics() {
        List<String> names = new ArrayList<>();
        names.add(THUMBS_UP);
        config.judges().forEach(j -> names.add(JUDGE_PREFIX + j));
        return List.copyOf(names);
    }

    /** The error spent on each metric. */
    public double metricAlpha() {
        return metricAlpha;
    }

    /**
     * Evaluates the canary now.
     *
     * @param counts per metric name ({@link #metrics()}), thumbs up as hits of {@link #THUMBS_UP} and judge failures
     *     as hits of {@code judge:<id>}; a missing metric has no observations
     * @param elapsed event time since the canary started
     */
    public CanaryEvaluation evaluate(Map<String, ArmCounts> counts, Duration elapsed) {
        List<MetricResult> results = new ArrayList<>();
        for (String metric : metrics()) {
            results.add(evaluateMetric(metric, counts.getOrDefault(metric, ArmCounts.EMPTY)));
        }
        for (MetricResult r : results) {
            if (r.verdict() == MetricVerdict.HARM) {
                return new CanaryEvaluation(CanaryOutcome.ROLLED_BACK, harmReason(r), results);
            }
        }
        if (results.stream().allMatch(r -> r.verdict() == MetricVerdict.SAFE)) {
            return new CanaryEvaluation(
                    CanaryOutcome.PROMOTED,
                    "every metric shown safe: thumbs-up not lower by more than " + config.thumbsMargin()
                            + ", no judge failing more by " + config.judgeMargin() + " or more",
                    results);
        }
        if (elapsed.compareTo(config.maxDuration()) >= 0) {
            CanaryOutcome outcome = config.defaultOutcome() == CanaryDefault.PROMOTED
                    ? CanaryOutcome.PROMOTED
                    : CanaryOutcome.ROLLED_BACK;
            return new CanaryEvaluation(
                    outcome, "undecided at the maximum duration " + config.maxDuration() + ": the default", results);
        }
        return new CanaryEvaluation(CanaryOutcome.CONTINUE, "undecided", results);
    }

    private MetricResult evaluateMetric(String metric, ArmCounts c) {
        RateInterval canary = RateInterval.bernoulli(c.canaryHits(), c.canaryTrials(), metricAlpha / 2, rho);
        RateInterval parent = RateInterval.bernoulli(c.parentHits(), c.parentTrials(), metricAlpha / 2, rho);
        RateInterval diff = canary.minus(parent);
        boolean enough = c.minTrials() >= config.minSamples();
        MetricVerdict verdict;
        double harm;
        double safe;
        if (metric.equals(THUMBS_UP)) {
            harm = -config.thumbsMargin();
            safe = -config.thumbsMargin();
            verdict = !enough
                    ? MetricVerdict.OPEN
                    : diff.high() < harm
                            ? MetricVerdict.HARM
                            : diff.low() > safe ? MetricVerdict.SAFE : MetricVerdict.OPEN;
        } else {
            harm = 0.0;
            safe = config.judgeMargin();
            verdict = !enough
                    ? MetricVerdict.OPEN
                    : diff.low() > harm
                            ? MetricVerdict.HARM
                            : diff.high() < safe ? MetricVerdict.SAFE : MetricVerdict.OPEN;
        }
        return new MetricResult(metric, c, diff, harm, safe, metricAlpha, verdict);
    }

    private static String harmReason(MetricResult r) {
        if (r.metric().equals(THUMBS_UP)) {
            return String.format(
                    java.util.Locale.ROOT,
                    "thumbs-up rate lower: difference at most %.4f, below %.4f",
                    r.difference().high(),
                    r.harmBoundary());
        }
        return String.format(
                java.util.Locale.ROOT,
                "%s failure rate higher: difference at least %.4f, above %.4f",
                r.metric(),
                r.difference().low(),
                r.harmBoundary());
    }
}

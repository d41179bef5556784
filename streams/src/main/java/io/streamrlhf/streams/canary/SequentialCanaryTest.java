package io.streamrlhf.streams.canary;

import io.streamrlhf.streams.config.CanaryConfig;
import io.streamrlhf.streams.config.CanaryDefault;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The anytime-valid sequential test that decides a canary policy version against its parent (the promoted version)
 * over the same period: non-inferiority of the thumbs-up rate with a margin, and no rise of any constraint judge's
 * failure rate. It may be evaluated after every observation without inflating its error.
 *
 * <p><b>Statistics.</b> Each arm's rate of each metric has a time-uniform confidence sequence at level {@code α_m /
 * 2}: the beta-binomial mixture of likelihood ratios ({@link BetaBinomialMixture}, a mixture of betting strategies
 * with Ville's inequality), which adapts to the rate's variance {@code p(1-p)}, so a judge failing 10% of the time
 * is decided about 2.5 times sooner than under Robbins' normal mixture with Hoeffding's variance proxy 1/4 ({@link
 * RateInterval#bernoulli}, {@link NormalMixture}, still available for comparison); the difference canary minus parent then lies in {@code [canary.low - parent.high, canary.high -
 * parent.low]} at every time with probability at least {@code 1 - α_m} (union bound over the two arms, which need not
 * see equal or synchronised samples). The family's {@code α} is split over the metrics (Bonferroni):
 * {@code α_m = α / 2} for the thumbs-up rate and {@code α / (2J)} for each of the {@code J} listed judges ({@code α}
 * for thumbs alone without judges), since the judges' rare failures are decided sooner than a rate near 1/2; so with probability at least {@code 1 - α} no
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

    /** Which confidence sequences and which split of the family's error. */
    enum Variant {
        /**
         * {@link BetaBinomialMixture} for each arm, half the family's error on the thumbs-up rate and the other half
         * split evenly over the judges: the default.
         */
        BETA_BINOMIAL,
        /** {@link BetaBinomialMixture} with the error split evenly over all metrics, for comparison. */
        BETA_BINOMIAL_EVEN_SPLIT,
        /**
         * {@link NormalMixture} with Hoeffding's variance proxy 1/4 and the error split evenly: the earlier test, for
         * comparison.
         */
        NORMAL_MIXTURE
    }

    private final CanaryConfig config;
    private final Variant variant;
    private final double thumbsAlpha;
    private final double judgeAlpha;
    /** The last interval of each (metric, arm): an observation changes one arm, so the other is not recomputed. */
    private final Map<String, CachedInterval> cache = new HashMap<>();

    private record CachedInterval(long hits, long trials, RateInterval interval) {}

    /** The test with the beta-binomial mixture sequences. Not thread-safe (it caches intervals): one per user. */
    public SequentialCanaryTest(CanaryConfig config) {
        this(config, Variant.BETA_BINOMIAL);
    }

    SequentialCanaryTest(CanaryConfig config, Variant variant) {
        this.config = Objects.requireNonNull(config, "config");
        this.variant = Objects.requireNonNull(variant, "variant");
        int judges = config.judges().size();
        if (variant == Variant.BETA_BINOMIAL && judges > 0) {
            // The thumbs-up rate sits near 1/2, where no sequence can adapt to a smaller variance, while judges
            // fail rarely and are decided sooner: giving thumbs half the error balances the two.
            this.thumbsAlpha = config.alpha() / 2;
            this.judgeAlpha = config.alpha() / 2 / judges;
        } else {
            this.thumbsAlpha = config.alpha() / (1 + judges);
            this.judgeAlpha = thumbsAlpha;
        }
    }

    /** The metric names in evaluation order: thumbs up, then {@code judge:<id>} for each listed judge. */
    public List<String> metrics() {
        List<String> names = new ArrayList<>();
        names.add(THUMBS_UP);
        config.judges().forEach(j -> names.add(JUDGE_PREFIX + j));
        return List.copyOf(names);
    }

    /** The error spent on a metric ({@link #THUMBS_UP} or {@code judge:<id>}). */
    public double metricAlpha(String metric) {
        return metric.equals(THUMBS_UP) ? thumbsAlpha : judgeAlpha;
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
        double metricAlpha = metricAlpha(metric);
        RateInterval canary = interval(metric + "/canary", c.canaryHits(), c.canaryTrials(), metricAlpha / 2);
        RateInterval parent = interval(metric + "/parent", c.parentHits(), c.parentTrials(), metricAlpha / 2);
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

    private RateInterval interval(String slot, long hits, long trials, double armAlpha) {
        CachedInterval last = cache.get(slot);
        if (last != null && last.hits() == hits && last.trials() == trials) {
            return last.interval();
        }
        // Tightest at the configured per-arm sample (the normal mixture: intrinsic time n/4 under Hoeffding's
        // variance proxy).
        RateInterval interval = variant == Variant.NORMAL_MIXTURE
                ? RateInterval.bernoulli(
                        hits, trials, armAlpha, NormalMixture.bestRho(config.tuningSamples() / 4.0, armAlpha))
                : BetaBinomialMixture.interval(
                        hits,
                        trials,
                        armAlpha,
                        BetaBinomialMixture.concentration(config.tuningSamples(), armAlpha),
                        last == null ? null : last.interval());
        cache.put(slot, new CachedInterval(hits, trials, interval));
        return interval;
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

package io.streamrlhf.streams.canary;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.streams.canary.CanarySimulation.Arm;
import io.streamrlhf.streams.canary.CanarySimulation.Run;
import io.streamrlhf.streams.canary.SequentialCanaryTest.Variant;
import io.streamrlhf.streams.config.CanaryConfig;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * How many observations per arm the test needs, measured by seeded simulation (no wall clock), for the earlier
 * normal-mixture sequences and the beta-binomial mixture, at the demo's rates: a healthy version liked about half
 * the time, the three judges failing 10%, 5% and 2% of rollouts. Each step is one rollout with one thumbs vote and a
 * verdict from every judge, on either arm with probability 1/2, and the test is evaluated after every step; the
 * figures are the median and the 90th percentile over the seeds of the steps to the decision, halved (per arm).
 */
class CanarySampleSizeTest {

    private static final List<String> JUDGES = List.of("format", "length-bounds", "banned-phrases");
    private static final Duration NEVER = Duration.ofDays(3650);
    private static final Arm HEALTHY = new Arm(0.50, 0.10, 0.05, 0.02);
    private static final Arm WORSE_THUMBS = new Arm(0.35, 0.10, 0.05, 0.02);

    /** Per arm: median and 90th percentile of the steps to the decision, and how many runs got the expected one. */
    record Needed(long median, long p90, int expected, int runs) {
        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT, "median %d, p90 %d per arm (%d/%d as expected)", median, p90, expected, runs);
        }
    }

    static Needed needed(
            CanaryConfig config, Variant sequence, Arm canary, Arm parent, CanaryOutcome expected, int seeds) {
        return needed(config, sequence, JUDGES, canary, parent, expected, seeds);
    }

    static Needed needed(
            CanaryConfig config,
            Variant sequence,
            List<String> judges,
            Arm canary,
            Arm parent,
            CanaryOutcome expected,
            int seeds) {
        long[] steps = new long[seeds];
        int ok = 0;
        for (int seed = 0; seed < seeds; seed++) {
            SequentialCanaryTest test = new SequentialCanaryTest(config, sequence);
            Run run = CanarySimulation.run(test, judges, canary, parent, 1000 + seed, 200_000);
            steps[seed] = run.steps();
            ok += run.outcome() == expected ? 1 : 0;
        }
        Arrays.sort(steps);
        return new Needed(steps[seeds / 2] / 2, steps[(int) Math.ceil(0.9 * seeds) - 1] / 2, ok, seeds);
    }

    private static CanaryConfig defaults() {
        return CanaryConfig.defaults().withLimits(100, 2000, NEVER);
    }

    /**
     * The comparison at the documented defaults and at the demo's settings, printed side by side; the test only
     * checks the direction (fewer observations with the new sequence) and that every run decided as it should.
     */
    @Test
    void theBetaBinomialMixtureNeedsFewerObservationsThanTheNormalMixture() {
        int seeds = 11;
        compare(
                "defaults (margins 0.05, tuned at 2000)",
                CanaryConfig.defaults().withLimits(100, 2000, NEVER),
                seeds);
        compare(
                "demo (margins 0.10, tuned at 1000)",
                CanaryConfig.defaults().withTest(0.05, 0.10, 0.10, JUDGES).withLimits(100, 1000, NEVER),
                seeds);
    }

    private static void compare(String name, CanaryConfig config, int seeds) {
        Needed oldPromote = needed(config, Variant.NORMAL_MIXTURE, HEALTHY, HEALTHY, CanaryOutcome.PROMOTED, seeds);
        Needed newPromote = needed(config, Variant.BETA_BINOMIAL, HEALTHY, HEALTHY, CanaryOutcome.PROMOTED, seeds);
        Needed oldRollback =
                needed(config, Variant.NORMAL_MIXTURE, WORSE_THUMBS, HEALTHY, CanaryOutcome.ROLLED_BACK, seeds);
        Needed newRollback =
                needed(config, Variant.BETA_BINOMIAL, WORSE_THUMBS, HEALTHY, CanaryOutcome.ROLLED_BACK, seeds);
        System.out.printf(
                "%s, equal-rate canary promoted: normal mixture %s; beta-binomial %s%n", name, oldPromote, newPromote);
        System.out.printf(
                "%s, thumbs-up lower by 0.15 rolled back: normal mixture %s; beta-binomial %s%n",
                name, oldRollback, newRollback);
        assertThat(newPromote.expected()).isEqualTo(seeds);
        assertThat(newRollback.expected()).isEqualTo(seeds);
        assertThat(newPromote.median()).isLessThan(oldPromote.median());
        assertThat(newRollback.median()).isLessThan(oldRollback.median());
    }

    /**
     * What limits the demo's decisions: a judge failing near half the time. The demo's format judge encodes the
     * simulated users' own taste, so early versions fail it about as often as they are disliked, and near a rate of
     * 1/2 no sequence can use a smaller variance: with it among the watched judges (format failing 0.40, the others
     * 0.10 and 0.02) an equal canary needs about 1,550 verdicts per arm, a canary liked 5 points more about 1,300,
     * whatever the thumbs show. Without it (length-bounds and banned-phrases, the demo's {@code canary.judges}) the
     * thumbs-up rate decides, in about 990 and 530 (medians over 11 seeds).
     */
    @Test
    void aJudgeFailingNearHalfTheTimeIsTheDemosSlowestMetric() {
        List<String> withFormat = List.of("format", "length-bounds", "banned-phrases");
        List<String> withoutFormat = List.of("length-bounds", "banned-phrases");
        int seeds = 11;
        for (double better : new double[] {0.0, 0.05}) {
            Needed slow = needed(
                    demo(withFormat),
                    Variant.BETA_BINOMIAL,
                    withFormat,
                    new Arm(0.45 + better, 0.40, 0.10, 0.02),
                    new Arm(0.45, 0.40, 0.10, 0.02),
                    CanaryOutcome.PROMOTED,
                    seeds);
            Needed fast = needed(
                    demo(withoutFormat),
                    Variant.BETA_BINOMIAL,
                    withoutFormat,
                    new Arm(0.45 + better, 0.10, 0.02),
                    new Arm(0.45, 0.10, 0.02),
                    CanaryOutcome.PROMOTED,
                    seeds);
            System.out.printf(
                    Locale.ROOT,
                    "demo, canary liked %+.2f: judges %s %s; judges %s %s%n",
                    better,
                    withFormat,
                    slow,
                    withoutFormat,
                    fast);
            assertThat(slow.expected()).isEqualTo(seeds);
            assertThat(fast.expected()).isEqualTo(seeds);
            assertThat(fast.median()).isLessThan(slow.median());
        }
    }

    private static CanaryConfig demo(List<String> judges) {
        return CanaryConfig.defaults().withTest(0.05, 0.10, 0.10, judges).withLimits(100, 1000, NEVER);
    }

    /**
     * The demo's switch: every vote on the degraded version is a thumbs down (rate 0 against 0.5). At the demo's
     * settings it is rolled back at the minimum sample of 100 votes per arm (a little more on the arm ahead), in every seed.
     */
    @Test
    void theDemoRollsADegradedVersionBackAtTheMinimumSample() {
        CanaryConfig demo =
                CanaryConfig.defaults().withTest(0.05, 0.10, 0.10, JUDGES).withLimits(100, 1000, NEVER);
        Needed degraded = needed(
                demo, Variant.BETA_BINOMIAL, new Arm(0.0, 0.10, 0.05, 0.02), HEALTHY, CanaryOutcome.ROLLED_BACK, 21);
        System.out.printf("demo, degraded version (thumbs-up 0 against 0.5) rolled back: %s%n", degraded);
        assertThat(degraded.expected()).isEqualTo(21);
        assertThat(degraded.p90()).isLessThanOrEqualTo(130);
    }
}

package io.streamrlhf.streams.canary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.streamrlhf.streams.canary.CanarySimulation.Arm;
import io.streamrlhf.streams.canary.CanarySimulation.Run;
import io.streamrlhf.streams.config.CanaryConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SequentialCanaryTestTest {

    private static final List<String> JUDGES = List.of("format", "length-bounds", "banned-phrases");
    /** Never reached in the simulations: they count the test's own decisions, not the default's. */
    private static final Duration NEVER = Duration.ofDays(3650);

    private static final List<String> ONE_JUDGE = List.of("format");
    private static final Arm SAME = new Arm(0.6, 0.10);

    private static SequentialCanaryTest test(List<String> judges, long minSamples, long tuning) {
        return new SequentialCanaryTest(
                CanaryConfig.defaults().withTest(0.05, 0.05, 0.05, judges).withLimits(minSamples, tuning, NEVER));
    }

    @Test
    void normalMixtureBoundMatchesTheClosedFormComputedByHand() {
        // sqrt((v + rho) (ln(1 + v/rho) + 2 ln(1/alpha))) at v=25, rho=10, alpha=0.05:
        // sqrt(35 * (ln 3.5 + 2 ln 20)) = sqrt(35 * (1.252763 + 5.991465)) = 15.923189
        assertThat(NormalMixture.bound(25, 0.05, 10)).isCloseTo(15.923189, within(1e-6));
        // vOpt / (2 ln 20 + ln(1 + 2 ln 20)) = 500 / (5.991465 + 1.944691) = 63.002805
        assertThat(NormalMixture.bestRho(500, 0.05)).isCloseTo(63.002805, within(1e-6));
    }

    @Test
    void normalMixtureRollsBackJustPastTheHandComputedBoundaryAndNotJustBefore() {
        // Thumbs only, alpha 0.05 on one metric, 0.025 per arm, tuned at 400 per arm (v = 100):
        // rho = 100 / (2 ln 40 + ln(1 + 2 ln 40)) = 10.522617; at n = 200 per arm the radius is
        // sqrt((50 + rho)(ln(1 + 50/rho) + 2 ln 40)) / 200 = 0.117516, so the difference's upper end is
        // (canary rate - 0.75) + 0.235033 against the harm boundary -0.05.
        SequentialCanaryTest t = new SequentialCanaryTest(
                CanaryConfig.defaults().withTest(0.05, 0.05, 0.05, List.of()).withLimits(100, 400, NEVER),
                SequentialCanaryTest.Variant.NORMAL_MIXTURE);
        CanaryEvaluation worse = t.evaluate(
                Map.of(SequentialCanaryTest.THUMBS_UP, new ArmCounts(90, 200, 150, 200)), Duration.ofMinutes(1));
        assertThat(worse.outcome()).isEqualTo(CanaryOutcome.ROLLED_BACK);
        assertThat(worse.metrics().get(0).difference().high()).isCloseTo(-0.064967, within(1e-6));

        CanaryEvaluation close = t.evaluate(
                Map.of(SequentialCanaryTest.THUMBS_UP, new ArmCounts(95, 200, 150, 200)), Duration.ofMinutes(1));
        assertThat(close.outcome()).isEqualTo(CanaryOutcome.CONTINUE);
        assertThat(close.metrics().get(0).difference().high()).isCloseTo(-0.039967, within(1e-6));
    }

    @Test
    void decidesNothingBeforeTheMinimumSampleOnEachArm() {
        SequentialCanaryTest t = test(List.of(), 300, 400);
        CanaryEvaluation e = t.evaluate(
                Map.of(SequentialCanaryTest.THUMBS_UP, new ArmCounts(0, 299, 299, 299)), Duration.ofMinutes(1));
        assertThat(e.outcome()).isEqualTo(CanaryOutcome.CONTINUE);
        assertThat(e.metrics().get(0).verdict()).isEqualTo(MetricVerdict.OPEN);
    }

    @Test
    void appliesTheConfiguredDefaultAtTheMaximumDuration() {
        CanaryConfig config = CanaryConfig.defaults().withLimits(100, 2000, Duration.ofHours(2));
        SequentialCanaryTest t = new SequentialCanaryTest(config);
        Map<String, ArmCounts> none = Map.of();
        assertThat(t.evaluate(none, Duration.ofMinutes(119)).outcome()).isEqualTo(CanaryOutcome.CONTINUE);
        assertThat(t.evaluate(none, Duration.ofHours(2)).outcome()).isEqualTo(CanaryOutcome.ROLLED_BACK);
    }

    @Test
    void spendsTheFamilyErrorEvenlyOverThumbsAndEachJudge() {
        SequentialCanaryTest even = new SequentialCanaryTest(
                CanaryConfig.defaults().withLimits(100, 2000, NEVER), SequentialCanaryTest.Variant.NORMAL_MIXTURE);
        assertThat(even.metricAlpha("thumbs-up")).isCloseTo(0.0125, within(1e-12));
        assertThat(even.metricAlpha("judge:format")).isCloseTo(0.0125, within(1e-12));
        // The default: half of 0.05 on thumbs, the other half over three judges.
        assertThat(test(JUDGES, 100, 2000).metricAlpha("thumbs-up")).isCloseTo(0.025, within(1e-12));
        assertThat(test(JUDGES, 100, 2000).metricAlpha("judge:format")).isCloseTo(0.025 / 3, within(1e-12));
        assertThat(test(List.of(), 100, 2000).metricAlpha("thumbs-up")).isCloseTo(0.05, within(1e-12));
        assertThat(test(JUDGES, 100, 2000).metrics())
                .containsExactly("thumbs-up", "judge:format", "judge:length-bounds", "judge:banned-phrases");
    }

    /**
     * A/A: canary and parent identical on every metric, 1,000 seeds, the test evaluated after each of 2,000
     * observations. With both margins 0 no metric can be shown safe without its sequence missing the true
     * difference, so every run keeps looking for all 2,000 steps: the hardest case for a test that is peeked at
     * ({@link #aFixedSampleIntervalPeekedAtAsOftenFailsTheSameCheck} shows such a check can fail). The test
     * guarantees a false-rollback probability of at most alpha = 0.05 for any margins and judges; the count over
     * 1,000 independent runs is Binomial(1000, p <= 0.05), so it stays under 1000 * 0.05 + 3 * sqrt(1000 * 0.05 *
     * 0.95) = 70.7 (three standard deviations of slack) unless the guarantee is broken.
     */
    @Test
    void aaSimulationKeepsTheFalseRollbackRateAtOrUnderAlpha() {
        for (SequentialCanaryTest.Variant variant : SequentialCanaryTest.Variant.values()) {
            if (variant == SequentialCanaryTest.Variant.BETA_BINOMIAL_EVEN_SPLIT) {
                continue;
            }
            int seeds = 1000;
            int rollbacks = 0;
            int promoted = 0;
            for (long seed = 0; seed < seeds; seed++) {
                SequentialCanaryTest t = new SequentialCanaryTest(
                        CanaryConfig.defaults()
                                .withTest(0.05, 0.0, 0.0, ONE_JUDGE)
                                .withLimits(100, 1000, NEVER),
                        variant);
                Run run = CanarySimulation.run(t, ONE_JUDGE, SAME, SAME, seed, 2_000);
                if (run.outcome() == CanaryOutcome.ROLLED_BACK) {
                    rollbacks++;
                } else if (run.outcome() == CanaryOutcome.PROMOTED) {
                    promoted++;
                }
            }
            System.out.printf(
                    "A/A %s over %d seeds, 2000 looks each: %d false rollbacks (rate %.4f, alpha 0.05), %d promoted%n",
                    variant, seeds, rollbacks, (double) rollbacks / seeds, promoted);
            assertThat(rollbacks).as("%s", variant).isLessThanOrEqualTo(70);
        }
    }

    /**
     * The control: the same A/A runs and the same harm rule (the thumbs-up difference's upper end below 0), but with
     * the usual fixed-sample two-sample z interval of the difference (two-sided 95%, so each look errs on the harm
     * side with probability 0.025) instead of confidence sequences, looked at after every observation. Over 2,000
     * looks the false rollbacks exceed the 70.7 bound above: the A/A check catches a test that is not anytime-valid.
     */
    @Test
    void aFixedSampleIntervalPeekedAtAsOftenFailsTheSameCheck() {
        double z = 1.95996; // the standard normal's upper 0.025 quantile, from a table
        int seeds = 1000;
        int rollbacks = 0;
        for (long seed = 0; seed < seeds; seed++) {
            java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
            long[] hits = new long[2];
            long[] trials = new long[2];
            for (int step = 1; step <= 2_000; step++) {
                int arm = random.nextBoolean() ? 0 : 1;
                hits[arm] += random.nextDouble() < SAME.thumbsUp() ? 1 : 0;
                trials[arm]++;
                if (Math.min(trials[0], trials[1]) < 100) {
                    continue;
                }
                double canary = (double) hits[0] / trials[0];
                double parent = (double) hits[1] / trials[1];
                double se = Math.sqrt(canary * (1 - canary) / trials[0] + parent * (1 - parent) / trials[1]);
                if (canary - parent + z * se < 0) {
                    rollbacks++;
                    break;
                }
            }
        }
        System.out.printf(
                "A/A control, a fixed-sample 95%% z interval peeked 2000 times: %d false rollbacks of %d%n",
                rollbacks, seeds);
        assertThat(rollbacks).isGreaterThan(70);
    }

    /**
     * Thumbs-up 0.45 against 0.60 (lower by 0.15), judges equal. Rollback needs the difference's upper end below
     * -0.05; with n per arm it is at most -0.15 + 2 r(n) + noise. At n = 4,500 per arm (the 10,000-step bound minus
     * arm imbalance) r = 0.0279 (alpha_m / 2 = 0.00625, rho tuned at 2,000 per arm: 39.80), and four standard
     * deviations of the estimated difference are 4 sqrt(0.4725 / 4500) = 0.041, so -0.15 + 0.056 + 0.041 < -0.05.
     */
    @Test
    void rollsBackACanaryWhoseThumbsUpRateIsLowerByFifteenPointsWithinTenThousandObservations() {
        SequentialCanaryTest t = test(JUDGES, 100, 2000);
        for (long seed = 0; seed < 200; seed++) {
            Run run = CanarySimulation.run(
                    t, JUDGES, new Arm(0.45, 0.05, 0.10, 0.02), new Arm(0.60, 0.05, 0.10, 0.02), seed, 10_000);
            assertThat(run.outcome()).as("seed %d", seed).isEqualTo(CanaryOutcome.ROLLED_BACK);
        }
    }

    /**
     * The format judge fails twice as often (0.20 against 0.10). Rollback needs the difference's lower end above 0:
     * at n = 4,500 per arm 0.10 - 2 r(n) - 4 sqrt((0.16 + 0.09) / 4500) = 0.10 - 0.056 - 0.030 > 0.
     */
    @Test
    void rollsBackACanaryWhoseJudgeFailureRateDoublesWithinTenThousandObservations() {
        SequentialCanaryTest t = test(JUDGES, 100, 2000);
        for (long seed = 0; seed < 200; seed++) {
            Run run = CanarySimulation.run(
                    t, JUDGES, new Arm(0.60, 0.20, 0.10, 0.02), new Arm(0.60, 0.10, 0.10, 0.02), seed, 10_000);
            assertThat(run.outcome()).as("seed %d", seed).isEqualTo(CanaryOutcome.ROLLED_BACK);
        }
    }

    /** Thumbs rise by 0.15, which alone would promote, but the format judge doubles: the rise in failures wins. */
    @Test
    void rollsBackOnARiseInJudgeFailuresEvenWhenThumbsRise() {
        SequentialCanaryTest t = test(JUDGES, 100, 2000);
        for (long seed = 0; seed < 200; seed++) {
            Run run = CanarySimulation.run(
                    t, JUDGES, new Arm(0.75, 0.20, 0.10, 0.02), new Arm(0.60, 0.10, 0.10, 0.02), seed, 10_000);
            assertThat(run.outcome()).as("seed %d", seed).isEqualTo(CanaryOutcome.ROLLED_BACK);
        }
    }

    /**
     * Thumbs-up higher by 0.10 and judges equal: promotion needs every judge's difference below 0.05 and the
     * thumbs difference above -0.05. The judges are the slower part: at n = 14,000 per arm 2 r(n) = 0.0325 plus
     * four standard deviations 4 sqrt(2 * 0.09 / 14000) = 0.0143 stays under 0.05.
     */
    @Test
    void promotesABetterCanaryWithinThirtyThousandObservations() {
        SequentialCanaryTest t = test(JUDGES, 100, 2000);
        for (long seed = 0; seed < 50; seed++) {
            Run run = CanarySimulation.run(
                    t, JUDGES, new Arm(0.70, 0.05, 0.10, 0.02), new Arm(0.60, 0.05, 0.10, 0.02), seed, 30_000);
            assertThat(run.outcome()).as("seed %d", seed).isEqualTo(CanaryOutcome.PROMOTED);
        }
    }
}

package io.streamrlhf.trainer.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every loss against the formula evaluated by hand in plain doubles. */
class PreferenceLossesTest {

    private static final double TOL = 1e-5;

    // Two pairs: summed log-probs and token counts.
    private static final double[] PC = {-4.0, -10.0};
    private static final double[] PR = {-6.0, -9.0};
    private static final double[] RC = {-5.0, -9.5};
    private static final double[] RR = {-5.5, -9.2};
    private static final double[] NC = {4, 5};
    private static final double[] NR = {3, 6};

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager(ai.djl.Device.cpu());
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private NDArray arr(double... v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return manager.create(f);
    }

    private PairedLogps pairs(double... weights) {
        return new PairedLogps(arr(PC), arr(PR), arr(RC), arr(RR), arr(NC), arr(NR), arr(weights));
    }

    private static double logSigmoid(double x) {
        return -Math.log1p(Math.exp(-x));
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    @Test
    void dpoSigmoidWithLabelSmoothingMatchesTheFormula() {
        // given
        LossConfig config = new LossConfig(LossType.DPO_SIGMOID, 0.5, 0.1, 0, 0, 1, 1);
        // when
        LossOutput out = PreferenceLosses.paired(config, pairs(1, 1));
        // then
        double expected = 0;
        for (int i = 0; i < 2; i++) {
            double h = (PC[i] - PR[i]) - (RC[i] - RR[i]);
            expected += -0.9 * logSigmoid(0.5 * h) - 0.1 * logSigmoid(-0.5 * h);
        }
        assertThat((double) out.loss().getFloat()).isCloseTo(expected / 2, within(TOL));
    }

    @Test
    void dpoMetricsFollowTrlRewardDefinitions() {
        // given
        LossConfig config = new LossConfig(LossType.DPO_SIGMOID, 0.5, 0, 0, 0, 1, 1);
        // when
        LossOutput out = PreferenceLosses.paired(config, pairs(1, 1));
        // then rewards are β·(policy − reference)
        double c0 = 0.5 * (PC[0] - RC[0]);
        double c1 = 0.5 * (PC[1] - RC[1]);
        double r0 = 0.5 * (PR[0] - RR[0]);
        double r1 = 0.5 * (PR[1] - RR[1]);
        assertThat(out.metrics().get("rewards/chosen")).isCloseTo((c0 + c1) / 2, within(TOL));
        assertThat(out.metrics().get("rewards/rejected")).isCloseTo((r0 + r1) / 2, within(TOL));
        assertThat(out.metrics().get("rewards/margins")).isCloseTo((c0 - r0 + c1 - r1) / 2, within(TOL));
        // pair 0: 0.5 > -0.25 is right, pair 1: -0.25 > 0.1 is wrong
        assertThat(out.metrics().get("rewards/accuracies")).isCloseTo(0.5, within(TOL));
        assertThat(out.metrics().get("logps/chosen")).isCloseTo(-7.0, within(TOL));
    }

    @Test
    void perExampleWeightsScaleEachPairsContribution() {
        // given
        LossConfig config = new LossConfig(LossType.DPO_SIGMOID, 0.5, 0, 0, 0, 1, 1);
        // when
        double weighted = PreferenceLosses.paired(config, pairs(1, 0)).loss().getFloat();
        // then only pair 0 counts, divided by the batch size
        double h = (PC[0] - PR[0]) - (RC[0] - RR[0]);
        assertThat(weighted).isCloseTo(-logSigmoid(0.5 * h) / 2, within(TOL));
    }

    @Test
    void ipoUsesLengthAveragedLogProbsAndASquaredLoss() {
        // given
        LossConfig config = new LossConfig(LossType.IPO, 0.2, 0, 0, 0, 1, 1);
        // when
        LossOutput out = PreferenceLosses.paired(config, pairs(1, 1));
        // then
        double expected = 0;
        double chosenRewards = 0;
        for (int i = 0; i < 2; i++) {
            double h = (PC[i] / NC[i] - PR[i] / NR[i]) - (RC[i] / NC[i] - RR[i] / NR[i]);
            expected += Math.pow(h - 1 / (2 * 0.2), 2);
            chosenRewards += 0.2 * (PC[i] / NC[i] - RC[i] / NC[i]);
        }
        assertThat((double) out.loss().getFloat()).isCloseTo(expected / 2, within(TOL));
        assertThat(out.metrics().get("rewards/chosen")).isCloseTo(chosenRewards / 2, within(TOL));
    }

    @Test
    void hingeIsReluOfOneMinusBetaTimesLogits() {
        // given
        LossConfig config = new LossConfig(LossType.HINGE, 0.5, 0, 0, 0, 1, 1);
        // when
        LossOutput out = PreferenceLosses.paired(config, pairs(1, 1));
        // then
        double expected = 0;
        for (int i = 0; i < 2; i++) {
            double h = (PC[i] - PR[i]) - (RC[i] - RR[i]);
            expected += Math.max(0, 1 - 0.5 * h);
        }
        assertThat((double) out.loss().getFloat()).isCloseTo(expected / 2, within(TOL));
    }

    @Test
    void simpoUsesAveragedLogProbsAnAbsoluteGammaAndNoReference() {
        // given a reference that would change the result if it were used
        LossConfig config = new LossConfig(LossType.SIMPO, 2.0, 0.05, 0.8, 0, 1, 1);
        PairedLogps in = new PairedLogps(arr(PC), arr(PR), arr(100, 100), arr(-100, -100), arr(NC), arr(NR), arr(1, 1));
        // when
        LossOutput out = PreferenceLosses.paired(config, in);
        // then
        double expected = 0;
        for (int i = 0; i < 2; i++) {
            double z = 2.0 * (PC[i] / NC[i] - PR[i] / NR[i]) - 0.8;
            expected += -0.95 * logSigmoid(z) - 0.05 * logSigmoid(-z);
        }
        assertThat((double) out.loss().getFloat()).isCloseTo(expected / 2, within(TOL));
        assertThat(out.metrics().get("rewards/chosen"))
                .isCloseTo(2.0 * (PC[0] / NC[0] + PC[1] / NC[1]) / 2, within(TOL));
    }

    @Test
    void orpoIsTokenMeanChosenNllMinusLambdaTimesLogSigmoidOfLogOdds() {
        // given
        LossConfig config = new LossConfig(LossType.ORPO, 0.1, 0, 0, 0.25, 1, 1);
        // when
        LossOutput out = PreferenceLosses.paired(config, pairs(1, 1));
        // then
        double nll = -(PC[0] + PC[1]) / (NC[0] + NC[1]);
        double ratio = 0;
        for (int i = 0; i < 2; i++) {
            double aw = PC[i] / NC[i];
            double al = PR[i] / NR[i];
            double logOdds = (aw - al) - (Math.log1p(-Math.exp(aw)) - Math.log1p(-Math.exp(al)));
            ratio += logSigmoid(logOdds);
        }
        assertThat((double) out.loss().getFloat()).isCloseTo(nll - 0.25 * ratio / 2, within(TOL));
        assertThat(out.metrics().get("nll_loss")).isCloseTo(nll, within(TOL));
        assertThat(out.metrics().get("log_odds_ratio")).isCloseTo(ratio / 2, within(TOL));
    }

    @Test
    void codpoAddsLambdaTimesLengthNormalisedChosenNllToDpo() {
        // given
        LossConfig config = new LossConfig(LossType.CODPO, 0.5, 0, 0, 0.3, 1, 1);
        // when
        LossOutput out = PreferenceLosses.paired(config, pairs(1, 1));
        // then
        double expected = 0;
        for (int i = 0; i < 2; i++) {
            double h = (PC[i] - PR[i]) - (RC[i] - RR[i]);
            expected += -logSigmoid(0.5 * h) + 0.3 * (-PC[i] / NC[i]);
        }
        assertThat((double) out.loss().getFloat()).isCloseTo(expected / 2, within(TOL));
    }

    @Test
    void ktoUsesAClampedDetachedKlReferencePointAndClassWeights() {
        // given three examples: two desirable, one undesirable, with mismatched-pair log-probs
        double[] p = {-3, -8, -5};
        double[] r = {-4, -7, -4.5};
        double[] pkl = {-12, -11, -9};
        double[] rkl = {-13, -11.5, -10};
        double[] desirable = {1, 1, 0};
        LossConfig config = new LossConfig(LossType.KTO, 0.5, 0, 0, 0, 1.5, 0.7);
        UnpairedLogps in = new UnpairedLogps(arr(p), arr(r), arr(pkl), arr(rkl), arr(desirable), arr(1, 1, 1));
        // when
        LossOutput out = PreferenceLosses.kto(config, in);
        // then
        double z = Math.max(0, ((pkl[0] - rkl[0]) + (pkl[1] - rkl[1]) + (pkl[2] - rkl[2])) / 3);
        double expected = 1.5 * (1 - sigmoid(0.5 * ((p[0] - r[0]) - z)))
                + 1.5 * (1 - sigmoid(0.5 * ((p[1] - r[1]) - z)))
                + 0.7 * (1 - sigmoid(0.5 * (z - (p[2] - r[2]))));
        assertThat((double) out.loss().getFloat()).isCloseTo(expected / 3, within(TOL));
        assertThat(out.metrics().get("kl")).isCloseTo(z, within(TOL));
        assertThat(out.metrics().get("rewards/chosen"))
                .isCloseTo(0.5 * ((p[0] - r[0]) + (p[1] - r[1])) / 2, within(TOL));
        assertThat(out.metrics().get("rewards/rejected")).isCloseTo(0.5 * (p[2] - r[2]), within(TOL));
    }

    @Test
    void ktoClampsANegativeKlEstimateAtZero() {
        // given mismatched pairs the policy likes less than the reference
        UnpairedLogps in = new UnpairedLogps(arr(-3), arr(-4), arr(-20), arr(-10), arr(1), arr(1));
        // when
        LossOutput out = PreferenceLosses.kto(LossConfig.defaults(LossType.KTO), in);
        // then
        assertThat(out.metrics().get("kl")).isEqualTo(0.0);
        assertThat((double) out.loss().getFloat()).isCloseTo(1 - sigmoid(0.1 * 1), within(TOL));
    }

    @Test
    void rejectsAnInvalidBetaNamingTheValue() {
        assertThatThrownBy(() -> new LossConfig(LossType.DPO_SIGMOID, -1, 0, 0, 0, 1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("beta")
                .hasMessageContaining("-1");
    }
}

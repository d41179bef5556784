package io.streamrlhf.trainer.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.streamrlhf.trainer.config.OptimizerConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdamWTest {

    @Test
    void twoStepsMatchTheAdamWUpdateComputedByHandIncludingDecoupledDecayAndClipping() {
        // given w (a matrix, so it decays) and loss = sum(w^2), so grad = 2w
        double lr = 0.1;
        double wd = 0.5;
        double b1 = 0.9;
        double b2 = 0.99;
        double eps = 1e-8;
        double maxNorm = 1.0;
        OptimizerConfig config = new OptimizerConfig(lr, b1, b2, eps, wd, maxNorm, 0);
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            NDArray w = manager.create(new float[] {1f, -2f}, new Shape(1, 2));
            w.setRequiresGradient(true);
            Map<String, NDArray> params = Map.of("w", w);
            try (AdamW adam = new AdamW(config, params)) {
                double[] expected = {1, -2};
                double[] m = new double[2];
                double[] v = new double[2];
                for (int t = 1; t <= 2; t++) {
                    // when
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        collector.backward(w.square().sum());
                    }
                    double norm = adam.update(params);
                    // then, by hand
                    double[] g = {2 * expected[0], 2 * expected[1]};
                    double handNorm = Math.sqrt(g[0] * g[0] + g[1] * g[1]);
                    assertThat(norm).isCloseTo(handNorm, within(1e-4));
                    double clip = handNorm > maxNorm ? maxNorm / (handNorm + 1e-6) : 1;
                    for (int i = 0; i < 2; i++) {
                        double gi = g[i] * clip;
                        m[i] = b1 * m[i] + (1 - b1) * gi;
                        v[i] = b2 * v[i] + (1 - b2) * gi * gi;
                        double mh = m[i] / (1 - Math.pow(b1, t));
                        double vh = v[i] / (1 - Math.pow(b2, t));
                        expected[i] = expected[i] * (1 - lr * wd) - lr * mh / (Math.sqrt(vh) + eps);
                    }
                    float[] actual = w.toFloatArray();
                    assertThat((double) actual[0]).isCloseTo(expected[0], within(1e-5));
                    assertThat((double) actual[1]).isCloseTo(expected[1], within(1e-5));
                }
                assertThat(adam.step()).isEqualTo(2);
                try (NDArray grad = w.getGradient()) {
                    float[] g = grad.toFloatArray();
                    assertThat(Math.abs(g[0]) + Math.abs(g[1])).isZero();
                }
            }
        }
    }

    @Test
    void warmUpRisesLinearlyToThePeakRate() {
        // given
        OptimizerConfig config = OptimizerConfig.defaults().withSchedule(1e-3, 4);
        // then
        assertThat(config.learningRateAt(1)).isCloseTo(0.25e-3, within(1e-12));
        assertThat(config.learningRateAt(2)).isCloseTo(0.5e-3, within(1e-12));
        assertThat(config.learningRateAt(4)).isCloseTo(1e-3, within(1e-12));
        assertThat(config.learningRateAt(100)).isCloseTo(1e-3, within(1e-12));
    }

    @Test
    void aSkippedStepWithANanGradientDoesNotPoisonTheNextStep() {
        // given a step whose backward produced NaN and infinite gradients (0 * NaN is NaN, so zeroing by a product
        // would keep them and every later step would be skipped too)
        OptimizerConfig config = new OptimizerConfig(0.1, 0.9, 0.99, 1e-8, 0, 0, 0);
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            NDArray w = manager.create(new float[] {1f, -2f}, new Shape(1, 2));
            w.setRequiresGradient(true);
            NDArray poison = manager.create(new float[] {Float.NaN, Float.POSITIVE_INFINITY}, new Shape(1, 2));
            Map<String, NDArray> params = Map.of("w", w);
            try (AdamW adam = new AdamW(config, params)) {
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    collector.backward(w.mul(poison).sum());
                }
                assertThat(adam.update(params)).isNaN();
                assertThat(adam.step()).isZero();
                assertThat(w.toFloatArray()).containsExactly(1f, -2f);
                try (NDArray grad = w.getGradient()) {
                    assertThat(grad.toFloatArray()).containsExactly(0f, 0f);
                }

                // when the next backward is finite: loss = sum(w^2), gradient 2w
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    collector.backward(w.square().sum());
                }
                double norm = adam.update(params);

                // then that step is taken with the gradient of this backward alone
                assertThat(norm).isCloseTo(Math.sqrt(4 + 16), within(1e-5));
                assertThat(adam.step()).isEqualTo(1);
                float[] after = w.toFloatArray();
                // Adam's first step moves each weight by lr against the sign of its gradient
                assertThat((double) after[0]).isCloseTo(0.9, within(1e-5));
                assertThat((double) after[1]).isCloseTo(-1.9, within(1e-5));
            }
        }
    }

    @Test
    void namesTheFirstParameterWhoseGradientIsNotFinite() {
        // given two parameters; the backward gives "b" one NaN and one infinite gradient, "a" finite ones
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            NDArray a = manager.create(new float[] {1f, 2f});
            NDArray b = manager.create(new float[] {1f, 2f, 3f}, new Shape(3, 1));
            a.setRequiresGradient(true);
            b.setRequiresGradient(true);
            NDArray poison = manager.create(new float[] {1f, Float.NaN, Float.NEGATIVE_INFINITY}, new Shape(3, 1));
            Map<String, NDArray> params = new java.util.LinkedHashMap<>();
            params.put("a", a);
            params.put("b", b);
            assertThat(AdamW.firstNonFiniteGradient(params)).isEmpty();
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(a.sum().add(b.mul(poison).sum()));
            }
            // when
            java.util.Optional<String> found = AdamW.firstNonFiniteGradient(params);
            // then
            assertThat(found)
                    .hasValueSatisfying(text -> assertThat(text)
                            .startsWith("b (3, 1): 2 of 3 values NaN or infinite (1 NaN)")
                            .endsWith("the weights hold 0 non-finite values"));
            AdamW.zeroGradients(params);
            assertThat(AdamW.firstNonFiniteGradient(params)).isEmpty();
        }
    }
}

package io.streamrlhf.trainer.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.streamrlhf.trainer.config.OptimizerConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The optimizer packs consecutive parameters into flat groups; whatever the grouping, every parameter must get the
 * AdamW update of its own elements (decay for matrices only, one global clipping factor), computed here by hand.
 */
class AdamWGroupsTest {

    private static final double LR = 0.05;
    private static final double WD = 0.1;
    private static final double B1 = 0.9;
    private static final double B2 = 0.99;
    private static final double EPS = 1e-8;
    private static final double MAX_NORM = 1.0;

    /** Parameter shapes: a bias, matrices, a 3-D tensor, a scalar-like vector; sizes 3, 6, 8, 12, 1, 10. */
    private static final List<Shape> SHAPES =
            List.of(new Shape(3), new Shape(2, 3), new Shape(4, 2), new Shape(2, 3, 2), new Shape(1), new Shape(5, 2));

    @ParameterizedTest(name = "groups of at most {0} values")
    @ValueSource(longs = {AdamW.DEFAULT_GROUP_ELEMENTS, 10, 1})
    void everyParameterGetsItsOwnAdamWUpdateWhateverTheGrouping(long groupElements) {
        OptimizerConfig config = new OptimizerConfig(LR, B1, B2, EPS, WD, MAX_NORM, 0);
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            // given parameters with distinct values and, through loss = sum_i (i + 1) * sum(w_i^2), distinct
            // gradients 2 (i + 1) w_i
            Map<String, NDArray> params = new LinkedHashMap<>();
            double[][] expected = new double[SHAPES.size()][];
            for (int i = 0; i < SHAPES.size(); i++) {
                int size = Math.toIntExact(SHAPES.get(i).size());
                float[] values = new float[size];
                expected[i] = new double[size];
                for (int j = 0; j < size; j++) {
                    values[j] = (float) (0.3 * (i + 1) - 0.17 * j);
                    expected[i][j] = values[j];
                }
                NDArray p = manager.create(values, SHAPES.get(i));
                p.setRequiresGradient(true);
                params.put("p" + i, p);
            }
            double[][] m = zerosLike(expected);
            double[][] v = zerosLike(expected);
            try (AdamW adam = new AdamW(config, params, groupElements)) {
                for (int t = 1; t <= 3; t++) {
                    // when
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        NDArray loss = null;
                        for (int i = 0; i < SHAPES.size(); i++) {
                            NDArray part = params.get("p" + i).square().sum().mul(i + 1);
                            loss = loss == null ? part : loss.add(part);
                        }
                        collector.backward(loss);
                    }
                    double norm = adam.update(params);

                    // then, by hand
                    double squares = 0;
                    for (int i = 0; i < SHAPES.size(); i++) {
                        for (double w : expected[i]) {
                            squares += Math.pow(2 * (i + 1) * w, 2);
                        }
                    }
                    double handNorm = Math.sqrt(squares);
                    assertThat(norm).isCloseTo(handNorm, within(1e-5 * handNorm));
                    double clip = handNorm > MAX_NORM ? MAX_NORM / (handNorm + 1e-6) : 1;
                    for (int i = 0; i < SHAPES.size(); i++) {
                        boolean decays = SHAPES.get(i).dimension() >= 2;
                        for (int j = 0; j < expected[i].length; j++) {
                            double g = 2 * (i + 1) * expected[i][j] * clip;
                            m[i][j] = B1 * m[i][j] + (1 - B1) * g;
                            v[i][j] = B2 * v[i][j] + (1 - B2) * g * g;
                            double mh = m[i][j] / (1 - Math.pow(B1, t));
                            double vh = v[i][j] / (1 - Math.pow(B2, t));
                            expected[i][j] =
                                    expected[i][j] * (decays ? 1 - LR * WD : 1) - LR * mh / (Math.sqrt(vh) + EPS);
                        }
                        float[] actual = params.get("p" + i).toFloatArray();
                        for (int j = 0; j < actual.length; j++) {
                            assertThat((double) actual[j])
                                    .as("step %d, p%d[%d]", t, i, j)
                                    .isCloseTo(expected[i][j], within(2e-5));
                        }
                        assertThat(params.get("p" + i).getShape()).isEqualTo(SHAPES.get(i));
                        assertThat(params.get("p" + i).getGradient().toFloatArray())
                                .as("gradient of p%d zeroed", i)
                                .containsOnly(0f);
                    }
                }

                // and the exported state holds each parameter's own moments
                OptimizerState state = adam.exportState();
                assertThat(state.step()).isEqualTo(3);
                assertThat(state.firstMoments().keySet()).containsExactlyElementsOf(params.keySet());
                for (int i = 0; i < SHAPES.size(); i++) {
                    float[] exportedM = state.firstMoments().get("p" + i);
                    float[] exportedV = state.secondMoments().get("p" + i);
                    assertThat(exportedM).hasSize(expected[i].length);
                    for (int j = 0; j < exportedM.length; j++) {
                        assertThat((double) exportedM[j]).isCloseTo(m[i][j], within(1e-5));
                        assertThat((double) exportedV[j]).isCloseTo(v[i][j], within(1e-5));
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "restored into groups of at most {0} values")
    @ValueSource(longs = {AdamW.DEFAULT_GROUP_ELEMENTS, 7, 1})
    void aRestoredStateContinuesExactlyAsTheOriginalWhateverTheGrouping(long groupElements) {
        // Without clipping: the norm's float32 sum runs per group, so another grouping may move the clipping
        // factor by an ulp; every other operation is element-wise and gives the same numbers in any layout.
        OptimizerConfig config = new OptimizerConfig(LR, B1, B2, EPS, WD, 0, 0);
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            // given an optimizer in one grouping after two steps, and a copy of its weights and state in another
            Map<String, NDArray> original = parameters(manager);
            Map<String, NDArray> copy = parameters(manager);
            try (AdamW first = new AdamW(config, original, 10);
                    AdamW second = new AdamW(config, copy, groupElements)) {
                for (int t = 0; t < 2; t++) {
                    backward(original);
                    first.update(original);
                }
                original.forEach((name, p) -> copy.get(name).set(p.toFloatArray()));
                second.importState(first.exportState());

                // when both take the same next step
                backward(original);
                backward(copy);
                first.update(original);
                second.update(copy);

                // then their weights are the same numbers
                assertThat(second.step()).isEqualTo(3);
                original.forEach((name, p) ->
                        assertThat(copy.get(name).toFloatArray()).as(name).containsExactly(p.toFloatArray()));
            }
        }
    }

    @ParameterizedTest(name = "groups of at most {0} values")
    @ValueSource(longs = {AdamW.DEFAULT_GROUP_ELEMENTS, 1})
    void anotherSetOfParametersIsRefused(long groupElements) {
        OptimizerConfig config = new OptimizerConfig(LR, B1, B2, EPS, WD, MAX_NORM, 0);
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Map<String, NDArray> params = parameters(manager);
            try (AdamW adam = new AdamW(config, params, groupElements)) {
                Map<String, NDArray> renamed = new LinkedHashMap<>(params);
                renamed.put("other", renamed.remove("p0"));
                assertThatThrownBy(() -> adam.update(renamed))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("p0");
                Map<String, NDArray> fewer = new LinkedHashMap<>(params);
                fewer.remove("p1");
                assertThatThrownBy(() -> adam.update(fewer)).isInstanceOf(IllegalArgumentException.class);
            }
        }
    }

    private static Map<String, NDArray> parameters(NDManager manager) {
        Map<String, NDArray> params = new LinkedHashMap<>();
        for (int i = 0; i < SHAPES.size(); i++) {
            int size = Math.toIntExact(SHAPES.get(i).size());
            float[] values = new float[size];
            for (int j = 0; j < size; j++) {
                values[j] = (float) Math.sin(1.3 * i + 0.7 * j);
            }
            NDArray p = manager.create(values, SHAPES.get(i));
            p.setRequiresGradient(true);
            params.put("p" + i, p);
        }
        return params;
    }

    /** loss = sum_i sum(w_i^3) / (i + 1): gradients that are not proportional to the weights. */
    private static void backward(Map<String, NDArray> params) {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray loss = null;
            int i = 0;
            for (NDArray p : params.values()) {
                NDArray part = p.pow(3).sum().div(i + 1);
                loss = loss == null ? part : loss.add(part);
                i++;
            }
            collector.backward(loss);
        }
    }

    private static double[][] zerosLike(double[][] a) {
        double[][] z = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            z[i] = new double[a[i].length];
        }
        return z;
    }
}

package io.streamrlhf.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import io.streamrlhf.trainer.config.ModelConfig;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyWeightsTest {

    private static final ModelConfig TINY = ModelConfig.tiny();

    @Test
    void loadsValuesInPlaceKeepingEachParameterAndItsGradient() {
        try (PolicyModel model = PolicyModel.create(TINY)) {
            // given every weight set to 0.5
            Map<String, NDArray> before = model.parameters();
            Map<String, float[]> halves = new LinkedHashMap<>();
            before.forEach((name, array) -> {
                float[] values = new float[Math.toIntExact(array.size())];
                Arrays.fill(values, 0.5f);
                halves.put(name, values);
            });
            // when
            PolicyWeights.load(model, halves);
            // then the sum of squares is 0.25 per scalar
            assertThat(model.weightNormSquared()).isCloseTo(0.25 * model.parameterCount(), within(1e-3));
            // and the parameters are the same arrays, still trainable
            model.parameters().forEach((name, array) -> {
                assertThat(array).as(name).isSameAs(before.get(name));
                assertThat(array.hasGradient()).as(name).isTrue();
            });
        }
    }

    @Test
    void loadingOverNonFiniteWeightsLeavesExactlyTheLoadedValues() {
        try (PolicyModel source = PolicyModel.create(seeded(1));
                PolicyModel target = PolicyModel.create(seeded(2))) {
            // given a target whose every weight is NaN or an infinity (NaN * 0 is NaN, inf * 0 is NaN)
            Map<String, float[]> poison = new LinkedHashMap<>();
            target.parameters().forEach((name, array) -> {
                float[] values = new float[Math.toIntExact(array.size())];
                for (int i = 0; i < values.length; i++) {
                    values[i] = i % 2 == 0 ? Float.NaN : Float.NEGATIVE_INFINITY;
                }
                poison.put(name, values);
            });
            PolicyWeights.load(target, poison);
            Map<String, NDArray> arrays = target.parameters();
            // when
            Map<String, float[]> expected = PolicyWeights.export(source);
            PolicyWeights.load(target, expected);
            // then
            PolicyWeights.export(target)
                    .forEach((name, values) -> assertThat(values).as(name).containsExactly(expected.get(name)));
            target.parameters().forEach((name, array) -> {
                assertThat(array).as(name).isSameAs(arrays.get(name));
                assertThat(array.hasGradient()).as(name).isTrue();
            });
        }
    }

    @Test
    void copyingWeightsOverNonFiniteOnesLeavesExactlyTheSourcesValues() {
        try (PolicyModel source = PolicyModel.create(TINY);
                PolicyModel target = PolicyModel.create(TINY)) {
            // given a target of the same shape holding NaN everywhere
            Map<String, float[]> nan = new LinkedHashMap<>();
            target.parameters().forEach((name, array) -> {
                float[] values = new float[Math.toIntExact(array.size())];
                Arrays.fill(values, Float.NaN);
                nan.put(name, values);
            });
            PolicyWeights.load(target, nan);
            // when
            target.copyWeightsFrom(source);
            // then
            Map<String, float[]> expected = PolicyWeights.export(source);
            PolicyWeights.export(target)
                    .forEach((name, values) -> assertThat(values).as(name).containsExactly(expected.get(name)));
        }
    }

    @Test
    void exportThenLoadCarriesOneModelsWeightsIntoAnotherOfTheSameShape() {
        try (PolicyModel source = PolicyModel.create(seeded(1));
                PolicyModel target = PolicyModel.create(seeded(2))) {
            // given two differently initialised models
            assertThat(target.weightNormSquared()).isNotCloseTo(source.weightNormSquared(), within(1e-6));
            // when
            PolicyWeights.load(target, PolicyWeights.export(source));
            // then
            Map<String, float[]> expected = PolicyWeights.export(source);
            PolicyWeights.export(target)
                    .forEach((name, values) -> assertThat(values).as(name).containsExactly(expected.get(name)));
        }
    }

    @Test
    void rejectsWeightsWithAMissingParameterNamingIt() {
        try (PolicyModel model = PolicyModel.create(TINY)) {
            Map<String, float[]> weights = PolicyWeights.export(model);
            String first = weights.keySet().iterator().next();
            weights.remove(first);
            assertThatThrownBy(() -> PolicyWeights.load(model, weights))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(first)
                    .hasMessageContaining("none");
        }
    }

    private static ModelConfig seeded(long seed) {
        return new ModelConfig(
                TINY.layers(),
                TINY.width(),
                TINY.heads(),
                TINY.context(),
                TINY.mlpRatio(),
                TINY.positions(),
                TINY.tiedHead(),
                seed);
    }
}

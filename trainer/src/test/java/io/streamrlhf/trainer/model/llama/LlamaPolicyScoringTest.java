package io.streamrlhf.trainer.model.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.streamrlhf.trainer.batch.TokenBatch;
import io.streamrlhf.trainer.model.CompletionLogps;
import io.streamrlhf.trainer.model.GradMode;
import io.streamrlhf.trainer.optim.AdamW;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LlamaPolicy} computes logits only from the first column any row scores: its per-token log-probs, their sums
 * and the adapters' gradients must equal those of the plain computation over every column's logits (log-softmax of
 * the full {@code (B, T, V)} logits, gather of the next tokens, mask), on rows whose scored parts start at different
 * columns and end in padding.
 */
@Tag("hf-models")
class LlamaPolicyScoringTest {

    private static final LoraConfig LORA = new LoraConfig(4, 8, 0.0, LoraConfig.allTargets(), false);
    private static final int ROWS = 3;
    private static final int LENGTH = 10;
    /** Per row, the first and one-past-last scored column: they start at 5, 3 and 7, row 1 ends in padding. */
    private static final int[][] SCORED = {{5, 10}, {3, 8}, {7, 10}};

    @TempDir
    static Path tmp;

    @Test
    void firstScoredColumnIsTheEarliestOverRowsAndTheLastColumnWhenNoneIsScored() {
        assertThat(batch(SCORED).firstScoredColumn()).isEqualTo(3);
        assertThat(batch(new int[][] {{9, 10}, {6, 7}, {8, 10}}).firstScoredColumn())
                .isEqualTo(6);
        assertThat(batch(new int[][] {{0, 0}, {0, 0}, {0, 0}}).firstScoredColumn())
                .isEqualTo(LENGTH - 1);
    }

    @Test
    void logProbsAndAdapterGradientsEqualThoseOfTheFullLogits() throws Exception {
        Path dir = LlamaGeneratorTest.writeByteLlama(tmp.resolve("scoring"), 83);
        TokenBatch batch = batch(SCORED);
        Shape shape = new Shape(ROWS, LENGTH);
        try (LlamaPolicy policy = LlamaPolicy.load(dir, Optional.of(LORA), 89, 64, Device.cpu())) {
            LoraTest.randomize(policy.adapters().orElseThrow(), 97);
            float[] tokens;
            float[] sums;
            Map<String, float[]> grads;
            try (NDManager scope = policy.manager().newSubManager();
                    GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                CompletionLogps logps = policy.completionLogps(scope, batch, true);
                collector.backward(logps.sums().sum());
                grads = gradients(policy);
                // The frozen base, the embedding the untied or tied head reads included, records no gradient.
                assertThat(policy.model().parameters().values()).noneMatch(NDArray::hasGradient);
                tokens = logps.tokens().toFloatArray();
                sums = logps.sums().toFloatArray();
                assertThat(logps.tokens().getShape()).isEqualTo(shape);
            }
            AdamW.zeroGradients(policy.trainableParameters());

            float[] expectedTokens;
            Map<String, float[]> expectedGrads;
            try (NDManager scope = policy.manager().newSubManager();
                    GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray inputs = scope.create(batch.inputs(), shape);
                NDArray targets = scope.create(batch.targets(), shape);
                NDArray mask = scope.create(batch.mask(), shape);
                NDArray full = policy.model()
                        .logits(inputs, null, true)
                        .logSoftmax(-1)
                        .gather(targets.expandDims(-1), -1)
                        .squeeze(-1)
                        .mul(mask);
                expectedTokens = full.toFloatArray();
                collector.backward(full.sum());
                expectedGrads = gradients(policy);
            }
            AdamW.zeroGradients(policy.trainableParameters());

            for (int i = 0; i < tokens.length; i++) {
                assertThat(tokens[i]).as("log-prob at %d", i).isCloseTo(expectedTokens[i], within(1e-5f));
            }
            for (int b = 0; b < ROWS; b++) {
                double expected = 0;
                for (int t = 0; t < LENGTH; t++) {
                    expected += expectedTokens[b * LENGTH + t];
                }
                assertThat((double) sums[b]).as("row %d", b).isCloseTo(expected, within(1e-4));
                assertThat(expected).as("row %d is scored", b).isLessThan(-1.0);
            }
            assertThat(grads).isNotEmpty().containsOnlyKeys(expectedGrads.keySet());
            for (Map.Entry<String, float[]> e : grads.entrySet()) {
                float[] expected = expectedGrads.get(e.getKey());
                double scale = 0;
                for (float v : expected) {
                    scale = Math.max(scale, Math.abs(v));
                }
                assertThat(scale).as(e.getKey() + " gets a gradient").isGreaterThan(0);
                for (int i = 0; i < expected.length; i++) {
                    assertThat((double) e.getValue()[i])
                            .as("%s[%d]", e.getKey(), i)
                            .isCloseTo(expected[i], within(1e-5 + 1e-4 * scale));
                }
            }

            // Without a graph (the reference's pass) the values are the same.
            try (NDManager scope = policy.manager().newSubManager()) {
                float[] inference =
                        policy.completionLogps(scope, batch, false).tokens().toFloatArray();
                for (int i = 0; i < inference.length; i++) {
                    assertThat(inference[i]).isCloseTo(expectedTokens[i], within(1e-5f));
                }
            }
        }
    }

    @Test
    void logitsFromAColumnAreTheFullLogitsOfThoseColumns() throws Exception {
        Path dir = LlamaGeneratorTest.writeByteLlama(tmp.resolve("columns"), 101);
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(dir, manager);
                GradMode.Scope off = GradMode.off()) {
            NDArray tokens = manager.create(batch(SCORED).inputs(), new Shape(ROWS, LENGTH));
            float[] full = model.logits(tokens).get(":, 4:, :").toFloatArray();
            NDArray kept = model.logits(tokens, null, false, 4);
            assertThat(kept.getShape()).isEqualTo(new Shape(ROWS, LENGTH - 4, 260));
            float[] values = kept.toFloatArray();
            for (int i = 0; i < full.length; i++) {
                assertThat(values[i]).isCloseTo(full[i], within(1e-5f));
            }
            assertThatThrownBy(() -> model.logits(tokens, null, false, LENGTH))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    /** Random ids (bytes), next-token targets, and the completion mask of {@code scored}'s column ranges. */
    private static TokenBatch batch(int[][] scored) {
        Random random = new Random(7);
        long[] ids = new long[ROWS * (LENGTH + 1)];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 'a' + random.nextInt(26);
        }
        long[] inputs = new long[ROWS * LENGTH];
        long[] targets = new long[ROWS * LENGTH];
        float[] mask = new float[ROWS * LENGTH];
        for (int b = 0; b < ROWS; b++) {
            for (int t = 0; t < LENGTH; t++) {
                inputs[b * LENGTH + t] = ids[b * (LENGTH + 1) + t];
                targets[b * LENGTH + t] = ids[b * (LENGTH + 1) + t + 1];
                mask[b * LENGTH + t] = t >= scored[b][0] && t < scored[b][1] ? 1f : 0f;
            }
        }
        return new TokenBatch(ROWS, LENGTH, inputs, targets, mask, 0);
    }

    private static Map<String, float[]> gradients(LlamaPolicy policy) {
        Map<String, float[]> out = new LinkedHashMap<>();
        policy.trainableParameters()
                .forEach((name, p) -> out.put(name, p.getGradient().toFloatArray()));
        return out;
    }
}

package io.streamrlhf.trainer.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.streamrlhf.trainer.loss.LossOutput;
import io.streamrlhf.trainer.model.CompletionLogps;
import io.streamrlhf.trainer.model.GarbageCollection;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The per-token KL penalty's gradient against the formula by hand, with a garbage collection forced between the
 * forward and the backward pass (the penalty's coefficient must still be there when the backward needs it).
 */
class KlPenaltyGradientTest {

    @Test
    void klPenaltyGradientMatchesTheFormulaAfterACollectionBeforeTheBackward() {
        // given two rows of three token log-probs, the second row's last position masked out
        float[] policy = {-1.0f, -2.0f, -0.5f, -3.0f, -1.5f, -9.0f};
        float[] reference = {-1.2f, -1.0f, -0.7f, -2.0f, -1.5f, -4.0f};
        float[] mask = {1, 1, 1, 1, 1, 0};
        float[] counts = {3, 2};
        double coef = 0.25;
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            NDArray tokens = manager.create(policy, new Shape(2, 3));
            tokens.setRequiresGradient(true);
            NDArray maskArray = manager.create(mask, new Shape(2, 3));
            LossOutput base = new LossOutput(manager.create(0f), Map.of());
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                CompletionLogps logps = new CompletionLogps(
                        tokens.mul(maskArray).sum(new int[] {1}),
                        manager.create(counts),
                        tokens.mul(maskArray),
                        maskArray);
                // when
                NDArray loss = PreferenceTrainer.withKlPenalty(
                                base, coef, manager.create(reference, new Shape(2, 3)), logps)
                        .loss();
                GarbageCollection.collectAndFree();
                collector.backward(loss);
            }
            // then d/dx [coef * mean_rows(sum_t m (e^(r-x) - (r-x) - 1) / n_row)] = coef / B * m (1 - e^(r-x)) / n_row
            float[] grad = tokens.getGradient().toFloatArray();
            for (int i = 0; i < policy.length; i++) {
                double expected = coef / 2 * mask[i] * (1 - Math.exp(reference[i] - policy[i])) / counts[i / 3];
                assertThat((double) grad[i]).as("gradient %d", i).isCloseTo(expected, within(1e-6));
            }
        }
    }
}

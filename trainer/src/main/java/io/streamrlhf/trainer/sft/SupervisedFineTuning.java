package io.streamrlhf.trainer.sft;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import io.streamrlhf.trainer.batch.SequenceCollator.Sample;
import io.streamrlhf.trainer.config.OptimizerConfig;
import io.streamrlhf.trainer.model.CompletionLogps;
import io.streamrlhf.trainer.model.TrainableModel;
import io.streamrlhf.trainer.optim.AdamW;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warm start: supervised fine-tuning on (prompt, completion) samples, minimising the token-mean
 * negative log-likelihood of completion tokens (TRL's SFT with completion-only loss). Produces the
 * weights of version 0.
 */
public final class SupervisedFineTuning {

    private static final Logger LOG = LoggerFactory.getLogger(SupervisedFineTuning.class);

    private SupervisedFineTuning() {}

    /**
     * Trains {@code policy}'s {@linkplain TrainableModel#trainableParameters() trainable parameters} in place for
     * {@code steps} steps of {@code batchSize} random samples.
     *
     * @return the mean loss of the last 10 steps
     */
    public static double train(
            TrainableModel policy,
            List<Sample> corpus,
            int steps,
            int batchSize,
            OptimizerConfig optimizerConfig,
            long seed) {
        Random random = new Random(seed);
        List<Double> window = new ArrayList<>();
        try (AdamW optimizer = new AdamW(optimizerConfig, policy.trainableParameters())) {
            for (int step = 1; step <= steps; step++) {
                List<Sample> batch = new ArrayList<>(batchSize);
                for (int i = 0; i < batchSize; i++) {
                    batch.add(corpus.get(random.nextInt(corpus.size())));
                }
                double loss;
                try (NDManager scope = policy.manager().newSubManager();
                        NDScope ignored = new NDScope();
                        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    CompletionLogps logps = policy.completionLogps(scope, batch, true);
                    NDArray nll = logps.sums().sum().neg().div(logps.counts().sum());
                    collector.backward(nll);
                    loss = nll.getFloat();
                }
                optimizer.update(policy.trainableParameters());
                window.add(loss);
                if (window.size() > 10) {
                    window.remove(0);
                }
                if (step % 50 == 0 || step == steps) {
                    LOG.info("SFT step {}/{}: loss {}", step, steps, String.format("%.4f", loss));
                }
            }
        }
        return window.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }
}

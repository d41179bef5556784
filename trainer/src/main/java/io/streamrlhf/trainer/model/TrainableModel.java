package io.streamrlhf.trainer.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.streamrlhf.trainer.batch.SequenceCollator;
import io.streamrlhf.trainer.batch.TokenBatch;
import io.streamrlhf.trainer.tokenizer.Tokenizer;
import java.util.List;
import java.util.Map;

/**
 * What the preference trainer needs of a policy, whatever its architecture: sequence log-probs of a token batch,
 * the parameters to train, and those parameters as host arrays to checkpoint and restore. The built-in byte-level
 * {@link PolicyModel} and a Hugging Face Llama-family model with LoRA adapters
 * ({@code io.streamrlhf.trainer.model.llama.LlamaPolicy}) both implement it, so the training loop has one path.
 *
 * <p>Not thread-safe; close it to free native memory.
 */
public interface TrainableModel extends AutoCloseable {

    /** The tokenizer whose vocabulary this model has; prompts and completions are encoded with it. */
    Tokenizer tokenizer();

    /** The most tokens of one row (prompt and completion) the trainer feeds this model. */
    int maxTokens();

    /** The device holding the weights. */
    Device device();

    /** The manager owning the weights; create per-step sub-managers from it. */
    NDManager manager();

    /**
     * Sum of completion-token log-probs and completion token counts per row; prompt and padding positions are
     * masked out. With {@code training} the result is differentiable with respect to {@link #trainableParameters()}
     * (and dropout, if the model has any, is applied); without it no graph is recorded. Arrays live in
     * {@code scope}.
     */
    CompletionLogps completionLogps(NDManager scope, TokenBatch batch, boolean training);

    /** Collates the samples to {@link #maxTokens()} and returns their completion log-probs. */
    default CompletionLogps completionLogps(NDManager scope, List<SequenceCollator.Sample> samples, boolean training) {
        return completionLogps(scope, new SequenceCollator(tokenizer(), maxTokens()).collate(samples), training);
    }

    /** The parameters the optimizer updates, by stable name, in a fixed order (the optimizer keeps state for these only). */
    Map<String, NDArray> trainableParameters();

    /** Copies of {@link #trainableParameters()} as host arrays, by name: what a checkpoint holds. */
    default Map<String, float[]> exportWeights() {
        return PolicyWeights.export(trainableParameters());
    }

    /**
     * Overwrites the trainable parameters in place from a checkpoint's arrays (parameters keep their identity and
     * gradient flags).
     *
     * @throws IllegalArgumentException when a name is missing, unexpected or of the wrong size
     */
    default void loadWeights(Map<String, float[]> weights) {
        PolicyWeights.load(trainableParameters(), weights);
    }

    @Override
    void close();
}

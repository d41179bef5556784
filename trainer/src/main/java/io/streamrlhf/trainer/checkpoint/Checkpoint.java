package io.streamrlhf.trainer.checkpoint;

import ai.djl.Device;
import io.streamrlhf.trainer.config.ModelConfig;
import io.streamrlhf.trainer.config.OptimizerConfig;
import io.streamrlhf.trainer.model.Devices;
import io.streamrlhf.trainer.model.PolicyModel;
import io.streamrlhf.trainer.model.PolicyWeights;
import io.streamrlhf.trainer.model.TrainableModel;
import io.streamrlhf.trainer.optim.OptimizerState;
import java.util.Map;
import java.util.Optional;

/**
 * Everything needed to resume training or to serve a policy version: model and optimizer config,
 * weights, AdamW state and step.
 *
 * @param modelId model family id
 * @param version policy version this checkpoint is (0 = warm start)
 * @param parentVersion the version it was trained from, or -1 for none
 * @param model model shape
 * @param optimizer optimizer settings
 * @param weights weights by parameter name
 * @param optimizerState AdamW moments and step
 * @param hf for a Hugging Face model, what the weights are and how the version is laid out on disk; empty for the
 *     byte-level model, whose checkpoint is one {@link CheckpointCodec} file
 */
public record Checkpoint(
        String modelId,
        long version,
        long parentVersion,
        ModelConfig model,
        OptimizerConfig optimizer,
        Map<String, float[]> weights,
        OptimizerState optimizerState,
        Optional<HfLayout> hf) {

    /** A byte-level model's checkpoint. */
    public Checkpoint(
            String modelId,
            long version,
            long parentVersion,
            ModelConfig model,
            OptimizerConfig optimizer,
            Map<String, float[]> weights,
            OptimizerState optimizerState) {
        this(modelId, version, parentVersion, model, optimizer, weights, optimizerState, Optional.empty());
    }

    /** Snapshot of a live model and its optimizer state. */
    public static Checkpoint of(
            String modelId,
            long version,
            long parentVersion,
            PolicyModel policy,
            OptimizerConfig optimizer,
            OptimizerState state) {
        return new Checkpoint(
                modelId, version, parentVersion, policy.config(), optimizer, PolicyWeights.export(policy), state);
    }

    /**
     * Snapshot of any trainable model's trained weights (for a Hugging Face model under LoRA, its adapters) and its
     * optimizer state; {@code model} is recorded as the shape of the byte-level model the settings describe.
     */
    public static Checkpoint of(
            String modelId,
            long version,
            long parentVersion,
            ModelConfig model,
            TrainableModel policy,
            Optional<HfLayout> hf,
            OptimizerConfig optimizer,
            OptimizerState state) {
        return new Checkpoint(modelId, version, parentVersion, model, optimizer, policy.exportWeights(), state, hf);
    }

    /** A new policy model (on the best device) holding these weights; the caller closes it. */
    public PolicyModel toPolicyModel() {
        return toPolicyModel(Devices.best());
    }

    /**
     * A new policy model on {@code device} holding these weights; the caller closes it.
     *
     * @throws IllegalStateException when this is a Hugging Face model's version
     */
    public PolicyModel toPolicyModel(Device device) {
        if (hf.isPresent()) {
            throw new IllegalStateException("version " + version + " of " + modelId + " is a Hugging Face model's "
                    + "(" + hf.get().baseModel() + "); load it on its base model, not as the byte-level model");
        }
        PolicyModel policy = PolicyModel.create(model, device);
        try {
            PolicyWeights.load(policy, weights);
            return policy;
        } catch (RuntimeException e) {
            policy.close();
            throw e;
        }
    }
}

package io.streamrlhf.trainer.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.Pair;
import io.streamrlhf.trainer.batch.SequenceCollator;
import io.streamrlhf.trainer.batch.TokenBatch;
import io.streamrlhf.trainer.config.ModelConfig;
import io.streamrlhf.trainer.cpu.MklDispatch;
import io.streamrlhf.trainer.tokenizer.ByteTokenizer;
import io.streamrlhf.trainer.tokenizer.Tokenizer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The policy: a {@link TransformerLM} and its parameters on a device, with the native memory they live in. It runs
 * the forward pass ({@link #logits}, {@link #completionLogps} for the trainer, {@link #decode} for the
 * {@code io.streamrlhf.trainer.generate.Generator}) and owns its parameters; {@link PolicyWeights} exports and
 * loads them as host arrays.
 *
 * <p>Its vocabulary comes from the {@link Tokenizer} it is built with ({@link ByteTokenizer} unless given), which
 * callers reach through {@link #tokenizer()} to encode for and decode from this model. Not thread-safe; close it
 * to free native memory.
 */
public final class PolicyModel implements TrainableModel {

    private final ModelConfig config;
    private final Tokenizer tokenizer;
    private final Device device;
    private final NDManager manager;
    private final TransformerLM block;
    private final LinkedHashMap<String, Parameter> parameters = new LinkedHashMap<>();

    private PolicyModel(ModelConfig config, Device device, Tokenizer tokenizer) {
        this.config = config;
        this.device = device;
        this.tokenizer = tokenizer;
        MklDispatch.ensureLoaded();
        this.manager = NDManager.newBaseManager(device);
        this.block = new TransformerLM(config, tokenizer.vocabSize());
        Engine.getInstance().setRandomSeed((int) config.seed());
        block.setInitializer(new NormalInitializer(0.02f), Parameter.Type.WEIGHT);
        block.initialize(manager, DataType.FLOAT32, new Shape(1, config.context()));
        for (Pair<String, Parameter> p : block.getParameters()) {
            parameters.put(p.getKey(), p.getValue());
        }
    }

    /** A freshly initialised model for the byte tokenizer on {@link Devices#best()}. */
    public static PolicyModel create(ModelConfig config) {
        return create(config, Devices.best());
    }

    /** A freshly initialised model for the byte tokenizer on the given device. */
    public static PolicyModel create(ModelConfig config, Device device) {
        return create(config, device, new ByteTokenizer());
    }

    /** A freshly initialised model on the given device, with {@code tokenizer}'s vocabulary. */
    public static PolicyModel create(ModelConfig config, Device device, Tokenizer tokenizer) {
        return new PolicyModel(config, device, tokenizer);
    }

    /** The model shape. */
    public ModelConfig config() {
        return config;
    }

    /** The tokenizer whose vocabulary this model has. */
    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The model's context: the most tokens of a row. */
    @Override
    public int maxTokens() {
        return config.context();
    }

    /** The device holding the weights. */
    @Override
    public Device device() {
        return device;
    }

    /** The manager owning the weights; create per-step sub-managers from it. */
    @Override
    public NDManager manager() {
        return manager;
    }

    /** Trainable parameters by stable name, in a fixed order. */
    public Map<String, NDArray> parameters() {
        LinkedHashMap<String, NDArray> arrays = new LinkedHashMap<>();
        parameters.forEach((name, p) -> arrays.put(name, p.getArray()));
        return Collections.unmodifiableMap(arrays);
    }

    /** Every parameter: the byte-level model is trained whole. */
    @Override
    public Map<String, NDArray> trainableParameters() {
        return parameters();
    }

    /** Number of trainable scalars. */
    public long parameterCount() {
        return parameters.values().stream().mapToLong(p -> p.getArray().size()).sum();
    }

    /** Logits {@code (B, T, V)} for token ids {@code (B, T)}; results live in the ids' manager. */
    public NDArray logits(NDArray tokens, boolean training) {
        ParameterStore store = new ParameterStore(tokens.getManager(), false);
        return block.forward(store, new NDList(tokens), training).head();
    }

    /**
     * Sum of completion-token log-probs and completion token counts per row; prompt and padding
     * positions are masked out. Arrays are created in {@code scope}.
     */
    @Override
    public CompletionLogps completionLogps(NDManager scope, TokenBatch batch, boolean training) {
        if (!training) {
            // Scoring only: no graph, whatever this thread's grad mode was.
            try (GradMode.Scope off = GradMode.off()) {
                return scoreCompletions(scope, batch, false);
            }
        }
        return scoreCompletions(scope, batch, true);
    }

    private CompletionLogps scoreCompletions(NDManager scope, TokenBatch batch, boolean training) {
        Shape shape = new Shape(batch.rows(), batch.length());
        NDArray inputs = scope.create(batch.inputs(), shape).toDevice(device, false);
        NDArray targets = scope.create(batch.targets(), shape).toDevice(device, false);
        NDArray mask = scope.create(batch.mask(), shape).toDevice(device, false);
        NDArray logProbs = logits(inputs, training)
                .logSoftmax(-1)
                .gather(targets.expandDims(-1), -1)
                .squeeze(-1);
        NDArray masked = logProbs.mul(mask);
        return new CompletionLogps(masked.sum(new int[] {1}), mask.sum(new int[] {1}), masked, mask);
    }

    /** Convenience: collates the samples to this model's context and returns their completion log-probs. */
    @Override
    public CompletionLogps completionLogps(NDManager scope, List<SequenceCollator.Sample> samples, boolean training) {
        return completionLogps(scope, new SequenceCollator(tokenizer, config.context()).collate(samples), training);
    }

    /**
     * Logits {@code (B, S, V)} for {@code S} new tokens per row, given what {@code cache} holds of the earlier ones
     * (and adding these to it): one step of cached decoding. {@code positions (B, S)} are each token's position in
     * its own sequence (rows may be left-padded); {@code mask (B, 1, S, cached + S)} is additive, with
     * {@link TransformerLM#MASKED} hiding padding and the future. Inference only; results live in the tokens' manager.
     */
    public NDArray decode(KvCache cache, NDArray tokens, NDArray positions, NDArray mask) {
        return block.decode(new ParameterStore(tokens.getManager(), false), tokens, positions, mask, cache);
    }

    /** A frozen copy with the same weights, for the reference model. */
    public PolicyModel frozenCopy() {
        PolicyModel copy = new PolicyModel(config, device, tokenizer);
        try {
            copy.copyWeightsFrom(this);
        } catch (RuntimeException e) {
            copy.close();
            throw e;
        }
        for (Parameter p : copy.parameters.values()) {
            p.getArray().setRequiresGradient(false);
        }
        return copy;
    }

    /** A trainable copy with the same weights on {@code target} (a data-parallel replica). */
    public PolicyModel copyTo(Device target) {
        PolicyModel copy = new PolicyModel(config, target, tokenizer);
        try {
            copy.copyWeightsFrom(this);
            return copy;
        } catch (RuntimeException e) {
            copy.close();
            throw e;
        }
    }

    /**
     * Overwrites this model's weights in place with {@code source}'s, device to device (no host
     * round trip); both must have the same shape.
     */
    public void copyWeightsFrom(PolicyModel source) {
        if (!config.equals(source.config)) {
            throw new IllegalArgumentException("cannot copy weights between different model shapes");
        }
        try (GradMode.Scope off = GradMode.off();
                NDScope ignored = new NDScope()) {
            for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
                NDArray target = e.getValue().getArray();
                NDArray from = source.parameters.get(e.getKey()).getArray();
                PolicyWeights.assign(target, from);
            }
        }
    }

    /** Sum of squares of all weights: a cheap fingerprint for tests and logs. */
    public double weightNormSquared() {
        double sum = 0;
        try (NDScope ignored = new NDScope()) {
            for (Parameter p : parameters.values()) {
                sum += p.getArray().square().sum().getFloat();
            }
        }
        return sum;
    }

    @Override
    public void close() {
        manager.close();
    }
}

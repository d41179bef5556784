package io.streamrlhf.trainer.model.llama;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.streamrlhf.trainer.batch.TokenBatch;
import io.streamrlhf.trainer.model.CompletionLogps;
import io.streamrlhf.trainer.model.GradMode;
import io.streamrlhf.trainer.model.TrainableModel;
import io.streamrlhf.trainer.tokenizer.HfTokenizer;
import io.streamrlhf.trainer.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * A Hugging Face Llama-family model directory as a {@link TrainableModel}: the {@link LlamaModel} with the
 * directory's own {@link HfTokenizer} (its chat template renders each prompt as a user turn with the generation
 * prompt when the tokenizer has one), trained either through LoRA adapters (base weights frozen, only the adapters
 * are {@linkplain #trainableParameters() trainable}, their names PEFT's) or, without a {@link LoraConfig}, whole
 * (full fine-tuning, for small models: the optimizer then holds two moments per weight).
 *
 * <p>{@link #frozenReference()} gives DPO's and KTO's reference: under LoRA the same model with its adapters
 * switched off (no second copy of the weights); under full fine-tuning a second, frozen load of the directory.
 * Not thread-safe; close it to free the weights and the tokenizer.
 */
public final class LlamaPolicy implements TrainableModel {

    private final Path dir;
    private final NDManager root;
    private final LlamaModel model;
    private final HfTokenizer tokenizer;
    private final int maxTokens;
    private final LoraAdapters adapters;

    private LlamaPolicy(
            Path dir, NDManager root, LlamaModel model, HfTokenizer tokenizer, int maxTokens, LoraAdapters adapters) {
        this.dir = dir;
        this.root = root;
        this.model = model;
        this.tokenizer = tokenizer;
        this.maxTokens = maxTokens;
        this.adapters = adapters;
    }

    /**
     * Loads {@code dir} (config.json, safetensors weights, tokenizer.json and tokenizer_config.json) onto
     * {@code device}.
     *
     * @param lora the adapters to attach and train, fresh as PEFT initialises them (B zero, so the policy starts
     *     as the base); empty for full fine-tuning
     * @param seed seed of the adapters' random A matrices
     * @param maxTokens the most tokens of one training row; at most the model's {@code max_position_embeddings}
     * @throws IOException when a file is missing, unreadable or unsupported, or the tokenizer has ids the model's
     *     vocabulary lacks
     */
    public static LlamaPolicy load(Path dir, Optional<LoraConfig> lora, long seed, int maxTokens, Device device)
            throws IOException {
        NDManager root = NDManager.newBaseManager(device);
        HfTokenizer tokenizer = null;
        try {
            LlamaModel model = LlamaModel.load(dir, root);
            Integer trained = model.config().maxPositionEmbeddings();
            if (maxTokens < 2 || (trained != null && maxTokens > trained)) {
                throw new IllegalArgumentException("the most tokens of a training row must be at least 2 and at most"
                        + " the model's max_position_embeddings (" + trained + " in " + dir + "), was " + maxTokens
                        + " (trainer.model.context)");
            }
            tokenizer = HfTokenizer.load(dir);
            if (tokenizer.tokenizerSize() > model.config().vocabSize()) {
                throw new IOException(dir + ": tokenizer.json has " + tokenizer.tokenizerSize()
                        + " ids but the model's vocabulary only "
                        + model.config().vocabSize());
            }
            LoraAdapters adapters = null;
            if (lora.isPresent()) {
                model.setTrainable(false);
                adapters = LoraAdapters.create(model, lora.get(), seed);
                model.attach(adapters);
            } else {
                model.setTrainable(true);
            }
            return new LlamaPolicy(dir, root, model, tokenizer, maxTokens, adapters);
        } catch (IOException | RuntimeException e) {
            if (tokenizer != null) {
                tokenizer.close();
            }
            root.close();
            throw e;
        }
    }

    /** The model directory this policy was loaded from. */
    public Path directory() {
        return dir;
    }

    /** The model (base weights, with the adapters attached under LoRA). */
    public LlamaModel model() {
        return model;
    }

    /** The trained adapters, or empty under full fine-tuning. */
    public Optional<LoraAdapters> adapters() {
        return Optional.ofNullable(adapters);
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public int maxTokens() {
        return maxTokens;
    }

    @Override
    public Device device() {
        return root.getDevice();
    }

    @Override
    public NDManager manager() {
        return model.manager();
    }

    /** The adapters' matrices by PEFT's names under LoRA; every weight by its Hugging Face name otherwise. */
    @Override
    public Map<String, NDArray> trainableParameters() {
        return adapters != null ? adapters.parameters() : model.parameters();
    }

    @Override
    public CompletionLogps completionLogps(NDManager scope, TokenBatch batch, boolean training) {
        if (!training) {
            try (GradMode.Scope off = GradMode.off()) {
                return score(scope, batch, false);
            }
        }
        return score(scope, batch, true);
    }

    /**
     * Rows are right-padded: under the causal mask no real token attends to the padding after it, and every row
     * starts at position 0, so no attention mask is needed; padded positions are masked out of the sums.
     *
     * <p>Only the columns from the first one any row scores get logits (TRL's {@code logits_to_keep}): the prompt's
     * columns are never scored, and a 151936-token vocabulary makes every logit column cost as much as a few decoder
     * layers (the head's product, the log-softmax, the gather and, in training, all of their gradients over a
     * freshly zeroed {@code (B, T, V)} buffer). The columns before it get a log-prob of 0, which the mask drops anyway.
     */
    private CompletionLogps score(NDManager scope, TokenBatch batch, boolean training) {
        Shape shape = new Shape(batch.rows(), batch.length());
        NDArray inputs = scope.create(batch.inputs(), shape).toDevice(device(), false);
        NDArray mask = scope.create(batch.mask(), shape).toDevice(device(), false);
        int first = batch.firstScoredColumn();
        int kept = batch.length() - first;
        long[] keptTargets = new long[batch.rows() * kept];
        for (int b = 0; b < batch.rows(); b++) {
            System.arraycopy(batch.targets(), b * batch.length() + first, keptTargets, b * kept, kept);
        }
        NDArray targets =
                scope.create(keptTargets, new Shape(batch.rows(), kept, 1)).toDevice(device(), false);
        NDArray logProbs = model.logits(inputs, null, training, first)
                .logSoftmax(-1)
                .gather(targets, -1)
                .squeeze(-1);
        if (first > 0) {
            logProbs = scope.zeros(new Shape(batch.rows(), first))
                    .toDevice(device(), false)
                    .concat(logProbs, 1);
        }
        NDArray masked = logProbs.mul(mask);
        return new CompletionLogps(masked.sum(new int[] {1}), mask.sum(new int[] {1}), masked, mask);
    }

    /**
     * The frozen reference, which the caller closes: under LoRA a view of this model with its adapters switched off
     * while it scores (closing it frees nothing); under full fine-tuning a second load of the directory, frozen.
     *
     * @throws IOException when the directory cannot be read again
     */
    public TrainableModel frozenReference() throws IOException {
        if (adapters != null) {
            return new AdaptersOff();
        }
        LlamaPolicy copy = load(dir, Optional.empty(), 0, maxTokens, device());
        copy.model.setTrainable(false);
        return copy;
    }

    /**
     * Under full fine-tuning, a frozen second load of the directory holding {@code weights} (by Hugging Face's names,
     * as {@link #exportWeights()} gives them): the reference when version 0 is not the directory's own weights, as
     * after a warm start. Under LoRA the same as {@link #frozenReference()}: the base, adapters off.
     *
     * @throws IOException when the directory cannot be read again
     * @throws IllegalArgumentException when a weight is missing, unexpected or of the wrong size
     */
    public TrainableModel frozenReference(Map<String, float[]> weights) throws IOException {
        if (adapters != null) {
            return frozenReference();
        }
        LlamaPolicy copy = load(dir, Optional.empty(), 0, maxTokens, device());
        try {
            copy.loadWeights(weights);
        } catch (RuntimeException e) {
            copy.close();
            throw e;
        }
        copy.model.setTrainable(false);
        return copy;
    }

    @Override
    public void close() {
        tokenizer.close();
        root.close();
    }

    /** This model with its adapters off: the frozen base, sharing the weights. */
    private final class AdaptersOff implements TrainableModel {

        @Override
        public Tokenizer tokenizer() {
            return tokenizer;
        }

        @Override
        public int maxTokens() {
            return maxTokens;
        }

        @Override
        public Device device() {
            return LlamaPolicy.this.device();
        }

        @Override
        public NDManager manager() {
            return LlamaPolicy.this.manager();
        }

        @Override
        public CompletionLogps completionLogps(NDManager scope, TokenBatch batch, boolean training) {
            try (LoraAdapters.Scope off = adapters.disabled()) {
                return LlamaPolicy.this.completionLogps(scope, batch, false);
            }
        }

        /** None: the reference is frozen. */
        @Override
        public Map<String, NDArray> trainableParameters() {
            return Map.of();
        }

        @Override
        public void close() {
            // A view: the policy owns the weights.
        }
    }
}

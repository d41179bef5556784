package io.streamrlhf.trainer.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.streamrlhf.trainer.model.GradMode;
import io.streamrlhf.trainer.model.llama.LlamaKvCache;
import io.streamrlhf.trainer.model.llama.LlamaModel;
import io.streamrlhf.trainer.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Batched generation from a Hugging Face {@link LlamaModel} with its {@link LlamaKvCache}: the prompts, left-padded
 * to one length, are prefilled in one pass under an attention mask that hides the padding (as Hugging Face's
 * {@code generate} does), then each step runs only the newly picked token of each row. Tokens are picked by the
 * same {@link LogitsProcessorList#forSampling} chain and {@link TokenSampler} as {@link Generator} (temperature,
 * top-p, greedy at temperature 0; each token's log-prob under the untempered distribution). A row stops at any of
 * the tokenizer's end ids (not included in its tokens), at {@code maxTokens}, or at the model's
 * {@code max_position_embeddings}. Uses whatever adapters are attached to the model. Not thread-safe.
 */
public final class LlamaGenerator {

    private final LlamaModel model;
    private final Tokenizer tokenizer;

    /** Generates with {@code model} and {@code tokenizer}; takes ownership of neither. */
    public LlamaGenerator(LlamaModel model, Tokenizer tokenizer) {
        if (tokenizer.vocabSize() > model.config().vocabSize()) {
            throw new IllegalArgumentException("the tokenizer's vocabulary (" + tokenizer.vocabSize()
                    + ") is larger than the model's (" + model.config().vocabSize() + ")");
        }
        this.model = model;
        this.tokenizer = tokenizer;
    }

    /** The ids {@code prompt} is conditioned on (the tokenizer's prompt format applied), as generation uses them. */
    public int[] promptIds(String prompt) {
        return tokenizer.encodePrompt(prompt, context() - 1);
    }

    /** One completion for {@code prompt}. */
    public Generation generate(String prompt, SamplingConfig sampling, Random random) {
        return generate(List.of(prompt), sampling, random).get(0);
    }

    /** A completion per prompt, in order, generated as one batch. */
    public List<Generation> generate(List<String> prompts, SamplingConfig sampling, Random random) {
        List<int[]> ids = new ArrayList<>(prompts.size());
        for (String p : prompts) {
            ids.add(promptIds(p));
        }
        return generateIds(ids, sampling, random);
    }

    /** A completion per prompt of token ids (each at least one id), generated as one batch. */
    public List<Generation> generateIds(List<int[]> prompts, SamplingConfig sampling, Random random) {
        if (prompts.isEmpty()) {
            return List.of();
        }
        try (GradMode.Scope off = GradMode.off()) {
            return decode(prompts, sampling, random);
        }
    }

    private List<Generation> decode(List<int[]> prompts, SamplingConfig sampling, Random random) {
        int context = context();
        int rows = prompts.size();
        int width = 0;
        for (int[] p : prompts) {
            if (p.length == 0 || p.length >= context) {
                throw new IllegalArgumentException("a prompt needs 1 to " + (context - 1) + " tokens, had " + p.length);
            }
            width = Math.max(width, p.length);
        }
        int pad = tokenizer.padId();
        int[] lengths = new int[rows];
        long[] tokens = new long[rows * width];
        // Every position so far: 1 for a token, 0 for left padding (and for finished rows' filler tokens).
        List<long[]> keep = new ArrayList<>();
        long[] prefillMask = new long[rows * width];
        for (int r = 0; r < rows; r++) {
            int[] p = prompts.get(r);
            lengths[r] = p.length;
            int pads = width - p.length;
            for (int t = 0; t < width; t++) {
                tokens[r * width + t] = t < pads ? pad : p[t - pads];
                prefillMask[r * width + t] = t < pads ? 0 : 1;
            }
        }
        for (int t = 0; t < width; t++) {
            long[] column = new long[rows];
            for (int r = 0; r < rows; r++) {
                column[r] = prefillMask[r * width + t];
            }
            keep.add(column);
        }
        DecodeRows decode = new DecodeRows(
                tokenizer,
                TokenSampler.of(sampling, LogitsProcessorList.forSampling(sampling, tokenizer), random),
                model.config().vocabSize(),
                lengths);
        try (NDManager generation = model.manager().newSubManager()) {
            LlamaKvCache cache = new LlamaKvCache(model, generation);
            float[] next = step(cache, tokens, keep, rows, width);
            for (int step = 0; step < sampling.maxTokens(); step++) {
                long[] stepTokens = decode.sample(next, context, pad);
                long[] stepKeep = new long[rows];
                for (int r = 0; r < rows; r++) {
                    stepKeep[r] = decode.sampled(r) ? 1 : 0;
                }
                if (!decode.active() || step == sampling.maxTokens() - 1) {
                    break;
                }
                keep.add(stepKeep);
                next = step(cache, stepTokens, keep, rows, 1);
            }
        }
        return decode.generations();
    }

    /** The longest sequence a row may reach: {@code max_position_embeddings}, unbounded when the config has none. */
    private int context() {
        Integer max = model.config().maxPositionEmbeddings();
        return max == null ? Integer.MAX_VALUE : max;
    }

    /** Runs {@code time} new tokens per row through the cached model; the logits at each row's last one. */
    private float[] step(LlamaKvCache cache, long[] tokens, List<long[]> keep, int rows, int time) {
        int total = keep.size();
        long[] mask = new long[rows * total];
        for (int t = 0; t < total; t++) {
            long[] column = keep.get(t);
            for (int r = 0; r < rows; r++) {
                mask[r * total + t] = column[r];
            }
        }
        try (NDManager step = model.manager().newSubManager()) {
            NDArray ids = step.create(tokens, new Shape(rows, time));
            NDArray attention = step.create(mask, new Shape(rows, total));
            NDArray logits = model.decode(ids, attention, cache);
            return logits.get(new NDIndex(":, -1, :"))
                    .toType(DataType.FLOAT32, false)
                    .toFloatArray();
        }
    }
}

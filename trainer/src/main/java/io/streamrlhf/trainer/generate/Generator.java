package io.streamrlhf.trainer.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.streamrlhf.trainer.model.GradMode;
import io.streamrlhf.trainer.model.KvCache;
import io.streamrlhf.trainer.model.PolicyModel;
import io.streamrlhf.trainer.model.TransformerLM;
import io.streamrlhf.trainer.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Batched text generation from a {@link PolicyModel} with a key-value cache: the prompts (left-padded to one
 * length) run through the model once, then each step runs only the newly sampled token of each row against the
 * cached keys and values. Each row stops at any of its tokenizer's end tokens, at {@code maxTokens} or at the model's context, and
 * never emits the tokens its tokenizer suppresses. Next tokens are picked through
 * {@link LogitsProcessorList#forSampling}. Not thread-safe (the model is not).
 *
 * <pre>{@code
 * Generation reply = new Generator(policy).generate("What is 3+4?", new SamplingConfig(0.7, 0.9, 32), random);
 * }</pre>
 */
public final class Generator {

    private final PolicyModel model;
    private final Tokenizer tokenizer;

    /** Generates with {@code model} and the tokenizer it was built with; does not take ownership. */
    public Generator(PolicyModel model) {
        this.model = model;
        this.tokenizer = model.tokenizer();
    }

    /** One completion for {@code prompt}. */
    public Generation generate(String prompt, SamplingConfig sampling, Random random) {
        return generate(List.of(prompt), sampling, random).get(0);
    }

    /** A completion per prompt, in order, generated as one batch. */
    public List<Generation> generate(List<String> prompts, SamplingConfig sampling, Random random) {
        if (prompts.isEmpty()) {
            return List.of();
        }
        try (GradMode.Scope off = GradMode.off()) {
            return decode(prompts, sampling, random);
        }
    }

    private List<Generation> decode(List<String> prompts, SamplingConfig sampling, Random random) {
        int context = model.config().context();
        int rows = prompts.size();
        int[][] prefixes = new int[rows][];
        int longestPrompt = 0;
        for (int r = 0; r < rows; r++) {
            prefixes[r] = promptIds(tokenizer, prompts.get(r), context);
            longestPrompt = Math.max(longestPrompt, prefixes[r].length);
        }
        int capacity = Math.min(context, longestPrompt + sampling.maxTokens());
        int width = longestPrompt;
        int pad = tokenizer.padId();
        int[] pads = new int[rows];
        int[] lengths = new int[rows];
        long[] tokens = new long[rows * width];
        long[] positions = new long[rows * width];
        float[] mask = new float[rows * width * width];
        float masked = TransformerLM.MASKED;
        for (int r = 0; r < rows; r++) {
            lengths[r] = prefixes[r].length;
            pads[r] = width - lengths[r];
            for (int t = 0; t < width; t++) {
                tokens[r * width + t] = t < pads[r] ? pad : prefixes[r][t - pads[r]];
                positions[r * width + t] = Math.max(0, t - pads[r]);
                for (int j = 0; j < width; j++) {
                    mask[(r * width + t) * width + j] = j > t || j < pads[r] ? masked : 0f;
                }
            }
        }
        DecodeRows decode = new DecodeRows(
                tokenizer,
                TokenSampler.of(sampling, LogitsProcessorList.forSampling(sampling, tokenizer), random),
                tokenizer.vocabSize(),
                lengths);
        try (NDManager generation = model.manager().newSubManager()) {
            KvCache cache = new KvCache(generation, model.config().layers());
            // Prefill: the prompts, one pass; the logits at the last position start every row.
            float[] next = step(cache, tokens, positions, mask, rows, width, width);
            for (int step = 0; step < sampling.maxTokens(); step++) {
                long[] stepPositions = new long[rows];
                for (int r = 0; r < rows; r++) {
                    // A row's new token sits at its length before sampling; a finished row's filler wherever it fits.
                    stepPositions[r] = Math.min(decode.length(r), context - 1);
                }
                long[] stepTokens = decode.sample(next, capacity, pad);
                if (!decode.active() || step == sampling.maxTokens() - 1) {
                    break;
                }
                // This step's tokens sit at each row's next position and see its prompt and what it generated.
                int keys = Math.toIntExact(cache.length()) + 1;
                float[] stepMask = new float[rows * keys];
                for (int r = 0; r < rows; r++) {
                    for (int j = 0; j < pads[r]; j++) {
                        stepMask[r * keys + j] = masked;
                    }
                }
                next = step(cache, stepTokens, stepPositions, stepMask, rows, 1, keys);
            }
        }
        return decode.generations();
    }

    /** Runs {@code time} new tokens per row through the cached model; the logits at each row's last one. */
    private float[] step(KvCache cache, long[] tokens, long[] positions, float[] mask, int rows, int time, int keys) {
        try (NDManager step = model.manager().newSubManager()) {
            NDArray ids = step.create(tokens, new Shape(rows, time)).toDevice(model.device(), false);
            NDArray at = step.create(positions, new Shape(rows, time)).toDevice(model.device(), false);
            NDArray hide = step.create(mask, new Shape(rows, 1, time, keys)).toDevice(model.device(), false);
            NDArray logits = model.decode(cache, ids, at, hide);
            return logits.get(new NDIndex(":, -1, :"))
                    .toType(DataType.FLOAT32, false)
                    .toFloatArray();
        }
    }

    /** The prompt's ids, leaving room for at least one generated token in the model's context. */
    static int[] promptIds(Tokenizer tokenizer, String prompt, int context) {
        return tokenizer.encodePrompt(prompt, context - 1);
    }

    static List<Generation> generations(
            Tokenizer tokenizer, List<List<Integer>> generated, List<List<Float>> logprobs) {
        List<Generation> out = new ArrayList<>(generated.size());
        for (int r = 0; r < generated.size(); r++) {
            float[] lp = new float[logprobs.get(r).size()];
            for (int i = 0; i < lp.length; i++) {
                lp[i] = logprobs.get(r).get(i);
            }
            int[] ids = generated.get(r).stream().mapToInt(Integer::intValue).toArray();
            out.add(new Generation(tokenizer.decode(ids), ids, lp));
        }
        return out;
    }
}

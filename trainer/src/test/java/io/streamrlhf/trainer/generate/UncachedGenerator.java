package io.streamrlhf.trainer.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.streamrlhf.trainer.model.GradMode;
import io.streamrlhf.trainer.model.PolicyModel;
import io.streamrlhf.trainer.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The reference {@link Generator} is checked and benchmarked against: the same sampling without a key-value cache,
 * every step rerunning the plain forward pass over each whole right-padded sequence. Slow and obviously right; test
 * code, public for the generation benchmark.
 */
public final class UncachedGenerator {

    private final PolicyModel model;
    private final Tokenizer tokenizer;

    /** A reference generator for {@code model}, with the tokenizer it was built with. */
    public UncachedGenerator(PolicyModel model) {
        this.model = model;
        this.tokenizer = model.tokenizer();
    }

    /** What {@link Generator#generate(List, SamplingConfig, Random)} returns, computed without a cache. */
    public List<Generation> generate(List<String> prompts, SamplingConfig sampling, Random random) {
        try (GradMode.Scope off = GradMode.off()) {
            return decode(prompts, sampling, random);
        }
    }

    private List<Generation> decode(List<String> prompts, SamplingConfig sampling, Random random) {
        int context = model.config().context();
        int rows = prompts.size();
        List<int[]> prefixes = new ArrayList<>(rows);
        int[] lengths = new int[rows];
        int longestPrompt = 0;
        for (String prompt : prompts) {
            int[] ids = Generator.promptIds(tokenizer, prompt, context);
            prefixes.add(ids);
            longestPrompt = Math.max(longestPrompt, ids.length);
        }
        int capacity = Math.min(context, longestPrompt + sampling.maxTokens());
        int[][] sequences = new int[rows][capacity];
        List<List<Integer>> generated = new ArrayList<>(rows);
        List<List<Float>> logprobs = new ArrayList<>(rows);
        boolean[] done = new boolean[rows];
        for (int r = 0; r < rows; r++) {
            Arrays.fill(sequences[r], tokenizer.padId());
            System.arraycopy(prefixes.get(r), 0, sequences[r], 0, prefixes.get(r).length);
            lengths[r] = prefixes.get(r).length;
            generated.add(new ArrayList<>());
            logprobs.add(new ArrayList<>());
        }
        int vocab = tokenizer.vocabSize();
        TokenSampler sampler = TokenSampler.of(sampling, LogitsProcessorList.forSampling(sampling, tokenizer), random);
        for (int step = 0; step < sampling.maxTokens(); step++) {
            int width = 0;
            for (int r = 0; r < rows; r++) {
                if (!done[r]) {
                    width = Math.max(width, lengths[r]);
                }
            }
            if (width == 0) {
                break;
            }
            long[] flat = new long[rows * width];
            for (int r = 0; r < rows; r++) {
                for (int t = 0; t < width; t++) {
                    flat[r * width + t] = sequences[r][t];
                }
            }
            float[] all;
            try (NDManager scope = model.manager().newSubManager();
                    NDScope ignored = new NDScope()) {
                NDArray tokens = scope.create(flat, new Shape(rows, width)).toDevice(model.device(), false);
                all = model.logits(tokens, false)
                        .toType(DataType.FLOAT32, false)
                        .toFloatArray();
            }
            for (int r = 0; r < rows; r++) {
                if (done[r]) {
                    continue;
                }
                int next = sampler.sample(all, (r * width + lengths[r] - 1) * vocab, vocab, logprobs.get(r));
                if (tokenizer.isEos(next)) {
                    done[r] = true;
                    continue;
                }
                generated.get(r).add(next);
                sequences[r][lengths[r]++] = next;
                if (lengths[r] >= capacity) {
                    done[r] = true;
                }
            }
        }
        return Generator.generations(tokenizer, generated, logprobs);
    }
}

package io.streamrlhf.trainer.model.llama;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.streamrlhf.trainer.generate.Generation;
import io.streamrlhf.trainer.generate.LlamaGenerator;
import io.streamrlhf.trainer.generate.SamplingConfig;
import io.streamrlhf.trainer.model.GradMode;
import io.streamrlhf.trainer.tokenizer.ByteTokenizerFiles;
import io.streamrlhf.trainer.tokenizer.HfTokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batched, left-padded, cached generation picks the tokens the full forward pass over each row alone picks: at every
 * step the test runs {@link LlamaModel#logits} over the unpadded prompt and the tokens so far, takes the arg-max of the
 * last position (the tokenizer's suppressed ids excluded) and its log-softmax, and compares.
 */
@Tag("hf-models")
class LlamaGeneratorTest {

    private static final List<String> PROMPTS = List.of("Hi", "What is the capital of France?", "ok then");

    @TempDir
    static Path tmp;

    /** A tiny random Llama over {@link ByteTokenizerFiles}' 260 ids, with the byte tokenizer's files beside it. */
    static Path writeByteLlama(Path dir, long seed) throws Exception {
        return TinyLlamaModels.writeByteLlama(dir, seed);
    }

    @Test
    void greedyBatchedGenerationIsTheFullForwardsArgMaxAtEachStep() throws Exception {
        Path dir = writeByteLlama(tmp.resolve("greedy"), 11);
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(dir, manager);
                HfTokenizer tokenizer = HfTokenizer.load(dir)) {
            LlamaGenerator generator = new LlamaGenerator(model, tokenizer);
            List<Generation> out = generator.generate(PROMPTS, SamplingConfig.greedy(12), new Random(1));
            int total = 0;
            for (int r = 0; r < PROMPTS.size(); r++) {
                int[] prompt = generator.promptIds(PROMPTS.get(r));
                Expected expected = expectedGreedy(model, tokenizer, prompt, 12);
                assertThat(out.get(r).tokens()).as("row %d", r).containsExactly(expected.ids);
                assertLogprobsClose(out.get(r).tokenLogprobs(), expected.logprobs, r);
                total += out.get(r).tokens().length;
            }
            // The comparison has to cover real decoding steps, not only end tokens picked at once.
            assertThat(total).isGreaterThanOrEqualTo(PROMPTS.size() * 3);
        }
    }

    @Test
    void sampledTokensCarryTheirLogProbsUnderTheFullForwardAndRepeatWithTheSeed() throws Exception {
        Path dir = writeByteLlama(tmp.resolve("sampled"), 12);
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(dir, manager);
                HfTokenizer tokenizer = HfTokenizer.load(dir)) {
            LlamaGenerator generator = new LlamaGenerator(model, tokenizer);
            SamplingConfig sampling = new SamplingConfig(0.8, 0.9, 10);
            List<Generation> a = generator.generate(PROMPTS, sampling, new Random(5));
            List<Generation> b = generator.generate(PROMPTS, sampling, new Random(5));
            for (int r = 0; r < PROMPTS.size(); r++) {
                assertThat(b.get(r).tokens()).isEqualTo(a.get(r).tokens());
                int[] prompt = generator.promptIds(PROMPTS.get(r));
                float[] expected =
                        logprobsOf(model, prompt, a.get(r).tokens(), a.get(r).tokenLogprobs().length);
                assertLogprobsClose(a.get(r).tokenLogprobs(), expected, r);
                for (int id : a.get(r).tokens()) {
                    assertThat(tokenizer.isEos(id)).isFalse();
                }
            }
        }
    }

    record Expected(int[] ids, float[] logprobs) {}

    /** Greedy decoding by full forward passes over the unpadded row, one token at a time. */
    static Expected expectedGreedy(LlamaModel model, HfTokenizer tokenizer, int[] prompt, int maxNew) {
        Set<Integer> suppressed =
                Arrays.stream(tokenizer.suppressedIds()).boxed().collect(Collectors.toSet());
        int[] seq = prompt.clone();
        int[] ids = new int[0];
        float[] lps = new float[0];
        for (int step = 0; step < maxNew; step++) {
            float[] last = lastLogits(model, seq);
            int best = -1;
            for (int v = 0; v < last.length; v++) {
                if (!suppressed.contains(v) && (best < 0 || last[v] > last[best])) {
                    best = v;
                }
            }
            lps = Arrays.copyOf(lps, lps.length + 1);
            lps[lps.length - 1] = (float) (last[best] - logSumExp(last));
            if (tokenizer.isEos(best)) {
                break;
            }
            ids = Arrays.copyOf(ids, ids.length + 1);
            ids[ids.length - 1] = best;
            seq = Arrays.copyOf(seq, seq.length + 1);
            seq[seq.length - 1] = best;
        }
        return new Expected(ids, lps);
    }

    /** Log-probs of {@code generated} (and of an end token after them when {@code count} says one was picked). */
    static float[] logprobsOf(LlamaModel model, int[] prompt, int[] generated, int count) {
        float[] out = new float[count];
        int[] seq = prompt.clone();
        for (int i = 0; i < Math.min(count, generated.length); i++) {
            float[] last = lastLogits(model, seq);
            out[i] = (float) (last[generated[i]] - logSumExp(last));
            seq = Arrays.copyOf(seq, seq.length + 1);
            seq[seq.length - 1] = generated[i];
        }
        if (count > generated.length) {
            // The last pick was an end token; which one is not recorded, so only the generated ids are checked.
            out[count - 1] = Float.NaN;
        }
        return out;
    }

    static float[] lastLogits(LlamaModel model, int[] seq) {
        try (NDManager step = NDManager.newBaseManager();
                GradMode.Scope off = GradMode.off()) {
            long[] ids = Arrays.stream(seq).asLongStream().toArray();
            float[] all =
                    model.logits(step.create(ids, new Shape(1, ids.length))).toFloatArray();
            int vocab = model.config().vocabSize();
            return Arrays.copyOfRange(all, (seq.length - 1) * vocab, seq.length * vocab);
        }
    }

    static double logSumExp(float[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : x) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : x) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum);
    }

    private static void assertLogprobsClose(float[] actual, float[] expected, int row) {
        assertThat(actual).as("row %d log-prob count", row).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            if (Float.isNaN(expected[i])) {
                continue;
            }
            assertThat((double) Math.abs(actual[i] - expected[i]))
                    .as("row %d token %d log-prob", row, i)
                    .isLessThanOrEqualTo(1e-4);
        }
    }
}

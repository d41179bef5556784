package io.streamrlhf.trainer.generate;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Picks each row's next token from the model's logits: runs the logits processors on a copy, then takes the
 * arg-max (greedy) or draws from the softmax of what is left; records the token's log-probability under the
 * untempered, unfiltered distribution, which is what the trainer later scores.
 */
final class TokenSampler {

    private final LogitsProcessor processors;
    private final boolean greedy;
    private final Random random;

    TokenSampler(LogitsProcessor processors, boolean greedy, Random random) {
        this.processors = processors;
        this.greedy = greedy;
        this.random = random;
    }

    /** The sampler {@code sampling} describes, with {@code processors} built for it. */
    static TokenSampler of(SamplingConfig sampling, LogitsProcessor processors, Random random) {
        return new TokenSampler(processors, sampling.temperature() == 0, random);
    }

    /**
     * Samples from the logits at {@code logits[from, from + vocab)} and appends the token's log-probability to
     * {@code logprobs}.
     */
    int sample(float[] logits, int from, int vocab, List<Float> logprobs) {
        float[] scores = Arrays.copyOfRange(logits, from, from + vocab);
        double logNormalizer = logSumExp(scores);
        processors.process(scores);
        int token = greedy ? argMax(scores) : draw(scores, random);
        logprobs.add((float) (logits[from + token] - logNormalizer));
        return token;
    }

    /** The first id of the highest score. */
    static int argMax(float[] scores) {
        int best = 0;
        for (int i = 1; i < scores.length; i++) {
            if (scores[i] > scores[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Draws an id with probability softmax(scores); ids scored negative infinity are never drawn. */
    static int draw(float[] scores, Random random) {
        double max = Double.NEGATIVE_INFINITY;
        for (float s : scores) {
            max = Math.max(max, s);
        }
        double[] weights = new double[scores.length];
        double total = 0;
        for (int i = 0; i < scores.length; i++) {
            weights[i] = Math.exp(scores[i] - max);
            total += weights[i];
        }
        double u = random.nextDouble() * total;
        int last = -1;
        for (int i = 0; i < weights.length; i++) {
            if (weights[i] == 0) {
                continue;
            }
            last = i;
            u -= weights[i];
            if (u < 0) {
                return i;
            }
        }
        // Rounding can leave u a hair above zero after the last candidate.
        return last;
    }

    private static double logSumExp(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        return max + Math.log(sum);
    }
}

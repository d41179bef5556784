package io.streamrlhf.trainer.generate;

import io.streamrlhf.trainer.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * The per-row bookkeeping of one batched decode, shared by every model's cached loop: which rows are done, how long
 * each is, the tokens and log-probs sampled so far. A row ends at any end token or when it reaches its capacity.
 */
final class DecodeRows {

    private final Tokenizer tokenizer;
    private final TokenSampler sampler;
    private final int vocab;
    private final int[] lengths;
    private final boolean[] done;
    private final boolean[] sampled;
    private final List<List<Integer>> generated;
    private final List<List<Float>> logprobs;
    private boolean active;

    DecodeRows(Tokenizer tokenizer, TokenSampler sampler, int vocab, int[] promptLengths) {
        this.tokenizer = tokenizer;
        this.sampler = sampler;
        this.vocab = vocab;
        this.lengths = promptLengths.clone();
        int rows = lengths.length;
        this.done = new boolean[rows];
        this.sampled = new boolean[rows];
        this.generated = new ArrayList<>(rows);
        this.logprobs = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            generated.add(new ArrayList<>());
            logprobs.add(new ArrayList<>());
        }
    }

    /**
     * Samples the next token of every unfinished row from {@code next} (rows × vocab logits) and returns the step's
     * input tokens: the sampled token, or {@code pad} for a row that ended now or before.
     */
    long[] sample(float[] next, int capacity, int pad) {
        int rows = lengths.length;
        long[] stepTokens = new long[rows];
        active = false;
        for (int r = 0; r < rows; r++) {
            stepTokens[r] = pad;
            sampled[r] = false;
            if (done[r]) {
                continue;
            }
            int token = sampler.sample(next, r * vocab, vocab, logprobs.get(r));
            if (tokenizer.isEos(token)) {
                done[r] = true;
                continue;
            }
            generated.get(r).add(token);
            stepTokens[r] = token;
            sampled[r] = true;
            lengths[r]++;
            if (lengths[r] >= capacity) {
                done[r] = true;
            } else {
                active = true;
            }
        }
        return stepTokens;
    }

    /** Whether any row may still grow after the last {@link #sample}. */
    boolean active() {
        return active;
    }

    /** Whether row {@code r} took a new token in the last {@link #sample}. */
    boolean sampled(int r) {
        return sampled[r];
    }

    /** Row {@code r}'s length: prompt plus generated tokens. */
    int length(int r) {
        return lengths[r];
    }

    /** What every row generated, decoded. */
    List<Generation> generations() {
        return Generator.generations(tokenizer, generated, logprobs);
    }
}

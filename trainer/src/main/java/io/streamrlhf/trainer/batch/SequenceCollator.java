package io.streamrlhf.trainer.batch;

import io.streamrlhf.trainer.tokenizer.EncodedPair;
import io.streamrlhf.trainer.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns (prompt, completion) pairs into a {@link TokenBatch}: encodes, truncates to the context,
 * shifts for next-token prediction, right-pads and masks the prompt out.
 */
public final class SequenceCollator {

    private final Tokenizer tokenizer;
    private final int context;

    /** A collator for sequences of at most {@code context} tokens. */
    public SequenceCollator(Tokenizer tokenizer, int context) {
        this.tokenizer = tokenizer;
        this.context = context;
    }

    /**
     * One (prompt, completion) pair as plain text.
     *
     * @param ended whether the completion ended with the end token; a completion cut off at the
     *     token limit ({@code false}) is scored on its own tokens only, with no end token appended
     */
    public record Sample(String prompt, String completion, boolean ended) {

        /** A completion that ended with the end token. */
        public Sample(String prompt, String completion) {
            this(prompt, completion, true);
        }
    }

    /** Collates the samples in order. */
    public TokenBatch collate(List<Sample> samples) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("cannot collate an empty batch");
        }
        // The model sees context tokens, the shifted input drops the last one: encode context + 1.
        List<EncodedPair> encoded = new ArrayList<>(samples.size());
        int longest = 1;
        for (Sample s : samples) {
            EncodedPair pair = tokenizer.encodePair(s.prompt(), s.completion(), context + 1, s.ended());
            encoded.add(pair);
            longest = Math.max(longest, pair.ids().length - 1);
        }
        int rows = samples.size();
        long[] inputs = new long[rows * longest];
        long[] targets = new long[rows * longest];
        float[] mask = new float[rows * longest];
        Arrays.fill(inputs, tokenizer.padId());
        Arrays.fill(targets, tokenizer.padId());
        for (int r = 0; r < rows; r++) {
            int[] ids = encoded.get(r).ids();
            int promptLength = encoded.get(r).promptLength();
            for (int t = 0; t < ids.length - 1; t++) {
                inputs[r * longest + t] = ids[t];
                targets[r * longest + t] = ids[t + 1];
                // Target t+1 is a completion token when it lies at or after promptLength.
                mask[r * longest + t] = t + 1 >= promptLength ? 1f : 0f;
            }
        }
        return new TokenBatch(rows, longest, inputs, targets, mask, tokenizer.padId());
    }
}

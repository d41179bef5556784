package io.streamrlhf.trainer.generate;

/** Rules out tokens that generation must never emit (the tokenizer's framing tokens), whatever their logits. */
public final class SuppressTokensProcessor implements LogitsProcessor {

    private final int[] suppressed;

    /** Suppresses the given token ids. */
    public SuppressTokensProcessor(int... suppressed) {
        this.suppressed = suppressed.clone();
    }

    @Override
    public void process(float[] scores) {
        for (int id : suppressed) {
            scores[id] = Float.NEGATIVE_INFINITY;
        }
    }
}

package io.streamrlhf.trainer.generate;

/**
 * One step of turning the model's next-token logits into the scores a token is drawn from, as Hugging Face's
 * {@code LogitsProcessor}: it rewrites one row's scores in place, and a token it rules out gets negative infinity.
 * Processors run in order in a {@link LogitsProcessorList}.
 */
@FunctionalInterface
public interface LogitsProcessor {

    /** Rewrites {@code scores}, one entry per vocabulary id, in place. */
    void process(float[] scores);
}

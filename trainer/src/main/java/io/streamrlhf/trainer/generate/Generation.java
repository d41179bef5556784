package io.streamrlhf.trainer.generate;

/**
 * A generated completion and the policy's log-probability of each token it sampled, under the untempered
 * distribution (what {@code PolicyModel.completionLogps} scores): one entry per completion token, plus the end
 * token's when generation stopped at it.
 *
 * @param text the completion, decoded by the model's tokenizer
 * @param tokens the sampled completion token ids, end token excluded
 * @param tokenLogprobs per-token log-probabilities
 */
public record Generation(String text, int[] tokens, float[] tokenLogprobs) {

    /** Whether generation stopped at the end token (else it was cut off at a token limit). */
    public boolean ended() {
        return tokenLogprobs.length > tokens.length;
    }
}

package io.streamrlhf.trainer.batch;

/**
 * A preference pair inside the trainer (TRL's preference format).
 *
 * @param id stable id (the DpoPair's pairId), the key of the reference-log-prob cache
 * @param prompt prompt text
 * @param chosen preferred completion
 * @param rejected dispreferred completion
 * @param weight training weight (source weight × staleness factor × the pair's own weight)
 * @param chosenTruncated the chosen completion was cut off at the token limit (no end token)
 * @param rejectedTruncated the rejected completion was cut off at the token limit (no end token)
 */
public record PairExample(
        String id,
        String prompt,
        String chosen,
        String rejected,
        double weight,
        boolean chosenTruncated,
        boolean rejectedTruncated) {

    /** A pair whose completions both ended with the end token. */
    public PairExample(String id, String prompt, String chosen, String rejected, double weight) {
        this(id, prompt, chosen, rejected, weight, false, false);
    }

    /** Whether the chosen completion is scored with the end token: it is, unless it was cut off. */
    public boolean chosenEnded() {
        return !chosenTruncated;
    }

    /**
     * Whether the rejected completion is scored with the end token: not when it was cut off, and not when the chosen
     * one was. A user may prefer an unfinished answer for what it says; scored with its own end token, the rejected
     * answer would hold the pair's only end token and the loss would push the end token down, teaching the policy
     * not to stop. Without it the pair compares the two texts alone. (A cut-off rejected answer against an ended
     * chosen one keeps the chosen one's end token: preferring answers that end is what such a pair should teach.)
     */
    public boolean rejectedEnded() {
        return !rejectedTruncated && !chosenTruncated;
    }

    /** The same pair with another weight. */
    public PairExample withWeight(double newWeight) {
        return new PairExample(id, prompt, chosen, rejected, newWeight, chosenTruncated, rejectedTruncated);
    }
}

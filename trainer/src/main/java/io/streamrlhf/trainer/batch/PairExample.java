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

    /** The same pair with another weight. */
    public PairExample withWeight(double newWeight) {
        return new PairExample(id, prompt, chosen, rejected, newWeight, chosenTruncated, rejectedTruncated);
    }
}

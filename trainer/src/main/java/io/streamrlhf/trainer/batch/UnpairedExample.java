package io.streamrlhf.trainer.batch;

/**
 * An unpaired labeled completion inside the trainer (TRL's unpaired preference format).
 *
 * @param id stable id (the KtoExample's exampleId), the key of the reference-log-prob cache
 * @param prompt prompt text
 * @param completion completion text
 * @param desirable TRL's {@code label}
 * @param weight training weight
 * @param truncated the completion was cut off at the token limit: scored without an end token
 */
public record UnpairedExample(
        String id, String prompt, String completion, boolean desirable, double weight, boolean truncated) {

    /** An example whose completion ended with the end token. */
    public UnpairedExample(String id, String prompt, String completion, boolean desirable, double weight) {
        this(id, prompt, completion, desirable, weight, false);
    }

    /** The same example with another weight. */
    public UnpairedExample withWeight(double newWeight) {
        return new UnpairedExample(id, prompt, completion, desirable, newWeight, truncated);
    }
}

package io.streamrlhf.trainer.batch;

/**
 * An unpaired labeled completion inside the trainer (TRL's unpaired preference format).
 *
 * @param id stable id (the KtoExample's exampleId), the key of the reference-log-prob cache
 * @param prompt prompt text
 * @param completion completion text
 * @param desirable TRL's {@code label}
 * @param weight training weight
 */
public record UnpairedExample(
    String id, String prompt, String completion, boolean desirable, double weight) {}

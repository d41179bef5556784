package io.streamrlhf.trainer.batch;

/**
 * A preference pair inside the trainer (TRL's preference format).
 *
 * @param id stable id (the DpoPair's pairId), the key of the reference-log-prob cache
 * @param prompt prompt text
 * @param chosen preferred completion
 * @param rejected dispreferred completion
 * @param weight training weight (source weight × staleness factor × the pair's own weight)
 */
public record PairExample(String id, String prompt, String chosen, String rejected, double weight) {}

package io.streamrlhf.streams.judge;

/**
 * A judged rollout, as pair selection sees it.
 *
 * @param responseId the rollout
 * @param length completion length in characters
 * @param score the mixture's score
 * @param passedAll whether it passed every judge
 */
public record ScoredRollout(String responseId, int length, double score, boolean passedAll) {}

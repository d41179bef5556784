package io.streamrlhf.streams.judge;

import java.util.Objects;

/**
 * A judged rollout, as pair selection sees it.
 *
 * @param responseId the rollout
 * @param length completion length in characters
 * @param score the mixture's score
 * @param passedAll whether it passed every judge
 * @param completion its text, or null when not known (then it is never taken for another rollout's text)
 * @param truncated whether it was cut off at the token limit (scored without an end token)
 */
public record ScoredRollout(
        String responseId, int length, double score, boolean passedAll, String completion, boolean truncated) {

    /** A rollout whose text is not known to selection. */
    public ScoredRollout(String responseId, int length, double score, boolean passedAll) {
        this(responseId, length, score, passedAll, null, false);
    }

    /**
     * Whether the trainer would see the same completion in both: the same text, both ended or both cut off. A pair
     * of two such completions has a log-ratio margin of exactly 0 and no gradient.
     */
    public boolean sameCompletionAs(ScoredRollout other) {
        return completion != null && Objects.equals(completion, other.completion) && truncated == other.truncated;
    }
}

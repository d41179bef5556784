package io.streamrlhf.streams.dpo;

import io.streamrlhf.avro.DpoPair;
import io.streamrlhf.avro.JudgeScore;
import io.streamrlhf.avro.PairSource;
import java.time.Instant;
import java.util.List;

/** Builds {@code DpoPair} records. */
public final class DpoPairs {

    private DpoPairs() {}

    /**
     * A pair of two completions of one prompt.
     *
     * @param chosen (responseId, completion, policyVersion) of the chosen side
     * @param rejected the same of the rejected side
     */
    public static DpoPair of(
            String pairId,
            String promptId,
            String prompt,
            Side chosen,
            Side rejected,
            PairSource source,
            List<JudgeScore> chosenScores,
            List<JudgeScore> rejectedScores,
            long eventTime) {
        return DpoPair.newBuilder()
                .setPairId(pairId)
                .setPromptId(promptId)
                .setPrompt(prompt)
                .setChosen(chosen.completion())
                .setRejected(rejected.completion())
                .setChosenResponseId(chosen.responseId())
                .setRejectedResponseId(rejected.responseId())
                .setSource(source)
                .setChosenPolicyVersion(chosen.policyVersion())
                .setRejectedPolicyVersion(rejected.policyVersion())
                .setChosenScores(chosenScores)
                .setRejectedScores(rejectedScores)
                .setWeight(1.0)
                .setEventTime(Instant.ofEpochMilli(eventTime))
                .setChosenTruncated(chosen.truncated())
                .setRejectedTruncated(rejected.truncated())
                .build();
    }

    /**
     * Whether the two sides are the same completion as the trainer sees it: the same text, both ended or both cut
     * off. Such a pair has a log-ratio margin of exactly 0, a constant loss of log 2 and no gradient, so no source
     * emits one (each counts it in the monitor as {@code pairsIdentical} instead). A cut-off side and an ended side
     * differ by the end token, which is what such a pair teaches.
     */
    public static boolean identical(Side a, Side b) {
        return a.completion().equals(b.completion()) && a.truncated() == b.truncated();
    }

    /**
     * One side of a pair.
     *
     * @param responseId the response
     * @param completion its completion
     * @param policyVersion the version that generated it
     * @param truncated whether it was cut off at the token limit (no end token)
     */
    public record Side(String responseId, String completion, long policyVersion, boolean truncated) {

        /** A side that ended with the end token. */
        public Side(String responseId, String completion, long policyVersion) {
            this(responseId, completion, policyVersion, false);
        }
    }
}

package io.streamrlhf.schemas.monitor;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What the version monitor serves for one policy version over one time range: a minute (a row of
 * {@link MinutesDocument}) or the sum of every minute in the asked range (a row of {@link VersionsDocument}).
 * Counts are events whose event time falls in the range; rates are derived from them by the monitor and are null
 * where nothing was counted. Every field here is required on the wire (see {@link MonitorContract} for the
 * evolution rule), so a field renamed on either side fails the read instead of reading as zero.
 *
 * @param policyVersion the version ({@code -1}: records that belong to no version, such as undecodable ones)
 * @param from start of the range, epoch ms (a row of the minutes document: the minute's start)
 * @param to end of the range (exclusive), epoch ms
 * @param responses responses generated
 * @param feedback thumbs up plus thumbs down (retractions not included)
 * @param thumbsUp thumbs up
 * @param thumbsDown thumbs down
 * @param retractions retractions
 * @param thumbsUpRate thumbsUp / feedback, in [0, 1], or null when feedback is 0
 * @param thumbsUpLow lower bound of the 95% Wilson score interval of the thumbs-up rate, or null
 * @param thumbsUpHigh upper bound of that interval, or null
 * @param judged rollouts judged
 * @param judgePassRate share of judged rollouts that passed every judge, in [0, 1], or null when judged is 0
 * @param meanCompletionLength mean completion length in characters, or null when responses is 0
 * @param examples KTO examples emitted that count toward training
 * @param examplesCapped KTO examples emitted with weight 0 by the per-user cap
 * @param pairsHuman explicit DPO pairs emitted
 * @param pairsDerived derived DPO pairs emitted
 * @param pairsJudge judged DPO pairs emitted
 * @param groupsNoPass rollout groups without any passing rollout (no pair)
 * @param deadLetters records dead-lettered
 * @param groupsTied judged rollout groups without a pair because the rejected rollout passed every judge with the
 *     chosen one's score (the pair would only say "shorter"); null from a monitor that does not report it
 * @param pairsIdentical DPO pairs (any source) not emitted because chosen and rejected had the same completion (a
 *     margin of exactly 0, no gradient); null from a monitor that does not report it
 */
public record VersionStats(
        @JsonProperty(required = true) long policyVersion,
        @JsonProperty(required = true) long from,
        @JsonProperty(required = true) long to,
        @JsonProperty(required = true) long responses,
        @JsonProperty(required = true) long feedback,
        @JsonProperty(required = true) long thumbsUp,
        @JsonProperty(required = true) long thumbsDown,
        @JsonProperty(required = true) long retractions,
        @JsonProperty(required = true) Double thumbsUpRate,
        @JsonProperty(required = true) Double thumbsUpLow,
        @JsonProperty(required = true) Double thumbsUpHigh,
        @JsonProperty(required = true) long judged,
        @JsonProperty(required = true) Double judgePassRate,
        @JsonProperty(required = true) Double meanCompletionLength,
        @JsonProperty(required = true) long examples,
        @JsonProperty(required = true) long examplesCapped,
        @JsonProperty(required = true) long pairsHuman,
        @JsonProperty(required = true) long pairsDerived,
        @JsonProperty(required = true) long pairsJudge,
        @JsonProperty(required = true) long groupsNoPass,
        @JsonProperty(required = true) long deadLetters,
        Long groupsTied,
        Long pairsIdentical) {

    /** Rejects figures no monitor can produce, naming the field. */
    public VersionStats {
        if (policyVersion < -1) {
            throw new IllegalArgumentException("policyVersion must be >= -1, was " + policyVersion);
        }
        if (to < from) {
            throw new IllegalArgumentException("to (" + to + ") must not be before from (" + from + ")");
        }
        nonNegative("responses", responses);
        nonNegative("feedback", feedback);
        nonNegative("thumbsUp", thumbsUp);
        nonNegative("thumbsDown", thumbsDown);
        nonNegative("retractions", retractions);
        nonNegative("judged", judged);
        nonNegative("examples", examples);
        nonNegative("examplesCapped", examplesCapped);
        nonNegative("pairsHuman", pairsHuman);
        nonNegative("pairsDerived", pairsDerived);
        nonNegative("pairsJudge", pairsJudge);
        nonNegative("groupsNoPass", groupsNoPass);
        nonNegative("deadLetters", deadLetters);
        if (groupsTied != null) {
            nonNegative("groupsTied", groupsTied);
        }
        if (pairsIdentical != null) {
            nonNegative("pairsIdentical", pairsIdentical);
        }
        share("thumbsUpRate", thumbsUpRate);
        share("thumbsUpLow", thumbsUpLow);
        share("thumbsUpHigh", thumbsUpHigh);
        share("judgePassRate", judgePassRate);
        if (meanCompletionLength != null && !(meanCompletionLength >= 0)) {
            throw new IllegalArgumentException(
                    "meanCompletionLength must be >= 0 or null, was " + meanCompletionLength);
        }
    }

    private static void nonNegative(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, was " + value);
        }
    }

    private static void share(String name, Double value) {
        if (value != null && !(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1] or null, was " + value);
        }
    }
}

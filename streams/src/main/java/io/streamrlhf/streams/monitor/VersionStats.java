package io.streamrlhf.streams.monitor;

import io.streamrlhf.streams.avro.VersionMinuteStats;

/**
 * What the monitor serves for one policy version over one time range (a minute, or the sum of several), with the
 * derived rates. Serialized as JSON; rates are null where nothing was counted.
 *
 * @param policyVersion the version ({@code -1}: records that belong to no version, such as undecodable ones)
 * @param from start of the range, epoch ms
 * @param to end of the range (exclusive), epoch ms
 * @param responses responses generated
 * @param feedback thumbs up plus thumbs down
 * @param thumbsUp thumbs up
 * @param thumbsDown thumbs down
 * @param retractions retractions
 * @param thumbsUpRate thumbsUp / feedback
 * @param thumbsUpLow lower bound of the 95% Wilson interval of the thumbs-up rate
 * @param thumbsUpHigh upper bound of that interval
 * @param judged rollouts judged
 * @param judgePassRate share of judged rollouts that passed every judge
 * @param meanCompletionLength mean completion length in characters
 * @param examples KTO examples emitted that count toward training
 * @param examplesCapped KTO examples emitted with weight 0 by the per-user cap
 * @param pairsHuman explicit DPO pairs emitted
 * @param pairsDerived derived DPO pairs emitted
 * @param pairsJudge judged DPO pairs emitted
 * @param groupsNoPass rollout groups without any passing rollout (no pair)
 * @param deadLetters records dead-lettered
 */
public record VersionStats(long policyVersion, long from, long to, long responses, long feedback, long thumbsUp,
                           long thumbsDown, long retractions, Double thumbsUpRate, Double thumbsUpLow,
                           Double thumbsUpHigh, long judged, Double judgePassRate, Double meanCompletionLength,
                           long examples, long examplesCapped, long pairsHuman, long pairsDerived, long pairsJudge,
                           long groupsNoPass, long deadLetters) {

    /** The served view of one bucket of counters. */
    public static VersionStats of(long policyVersion, long from, long to, VersionMinuteStats s) {
        long feedback = s.getFeedbackUp() + s.getFeedbackDown();
        long judged = s.getJudgePass() + s.getJudgeFail();
        WilsonInterval wilson = WilsonInterval.of(s.getFeedbackUp(), feedback, WilsonInterval.Z95);
        return new VersionStats(policyVersion, from, to, s.getResponses(), feedback, s.getFeedbackUp(),
                s.getFeedbackDown(), s.getFeedbackRetract(),
                feedback == 0 ? null : (double) s.getFeedbackUp() / feedback,
                feedback == 0 ? null : wilson.low(), feedback == 0 ? null : wilson.high(),
                judged, judged == 0 ? null : (double) s.getJudgePass() / judged,
                s.getResponses() == 0 ? null : (double) s.getCompletionChars() / s.getResponses(),
                s.getExamples(), s.getExamplesCapped(), s.getPairsHuman(), s.getPairsDerived(), s.getPairsJudge(),
                s.getGroupsNoPass(), s.getDeadLetters());
    }

    /** Adds {@code b}'s counters to {@code a} (a fresh object; neither argument changes). */
    public static VersionMinuteStats sum(VersionMinuteStats a, VersionMinuteStats b) {
        return VersionMinuteStats.newBuilder()
                .setResponses(a.getResponses() + b.getResponses())
                .setCompletionChars(a.getCompletionChars() + b.getCompletionChars())
                .setFeedbackUp(a.getFeedbackUp() + b.getFeedbackUp())
                .setFeedbackDown(a.getFeedbackDown() + b.getFeedbackDown())
                .setFeedbackRetract(a.getFeedbackRetract() + b.getFeedbackRetract())
                .setJudgePass(a.getJudgePass() + b.getJudgePass())
                .setJudgeFail(a.getJudgeFail() + b.getJudgeFail())
                .setExamples(a.getExamples() + b.getExamples())
                .setExamplesCapped(a.getExamplesCapped() + b.getExamplesCapped())
                .setPairsHuman(a.getPairsHuman() + b.getPairsHuman())
                .setPairsDerived(a.getPairsDerived() + b.getPairsDerived())
                .setPairsJudge(a.getPairsJudge() + b.getPairsJudge())
                .setGroupsNoPass(a.getGroupsNoPass() + b.getGroupsNoPass())
                .setDeadLetters(a.getDeadLetters() + b.getDeadLetters())
                .build();
    }
}

package io.streamrlhf.streams.monitor;

import io.streamrlhf.schemas.monitor.VersionStats;
import io.streamrlhf.streams.avro.VersionMinuteStats;

/** Turns the monitor store's counters into the served {@link VersionStats}, with the derived rates. */
public final class VersionCounters {

    private VersionCounters() {}

    /** The served view of one bucket of counters; rates are null where nothing was counted. */
    public static VersionStats toStats(long policyVersion, long from, long to, VersionMinuteStats s) {
        long feedback = s.getFeedbackUp() + s.getFeedbackDown();
        long judged = s.getJudgePass() + s.getJudgeFail();
        WilsonInterval wilson = WilsonInterval.of(s.getFeedbackUp(), feedback, WilsonInterval.Z95);
        return new VersionStats(
                policyVersion,
                from,
                to,
                s.getResponses(),
                feedback,
                s.getFeedbackUp(),
                s.getFeedbackDown(),
                s.getFeedbackRetract(),
                feedback == 0 ? null : (double) s.getFeedbackUp() / feedback,
                feedback == 0 ? null : wilson.low(),
                feedback == 0 ? null : wilson.high(),
                judged,
                judged == 0 ? null : (double) s.getJudgePass() / judged,
                s.getResponses() == 0 ? null : (double) s.getCompletionChars() / s.getResponses(),
                s.getExamples(),
                s.getExamplesCapped(),
                s.getPairsHuman(),
                s.getPairsDerived(),
                s.getPairsJudge(),
                s.getGroupsNoPass(),
                s.getDeadLetters(),
                s.getGroupsTied(),
                s.getPairsIdentical());
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
                .setGroupsTied(a.getGroupsTied() + b.getGroupsTied())
                .setPairsIdentical(a.getPairsIdentical() + b.getPairsIdentical())
                .build();
    }
}

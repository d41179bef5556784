package io.streamrlhf.streams.monitor;

import io.streamrlhf.streams.avro.MonitorEvent;
import io.streamrlhf.streams.avro.VersionMinuteStats;
import org.apache.kafka.streams.kstream.Aggregator;

/** Adds one monitor event to a version's counters for one minute. */
public final class MonitorAggregator implements Aggregator<String, MonitorEvent, VersionMinuteStats> {

    /** Empty counters. */
    public static VersionMinuteStats empty() {
        return VersionMinuteStats.newBuilder().build();
    }

    @Override
    public VersionMinuteStats apply(String version, MonitorEvent e, VersionMinuteStats s) {
        switch (e.getKind()) {
            case RESPONSE -> {
                s.setResponses(s.getResponses() + 1);
                s.setCompletionChars(s.getCompletionChars() + (long) e.getValue());
            }
            case FEEDBACK_UP -> s.setFeedbackUp(s.getFeedbackUp() + 1);
            case FEEDBACK_DOWN -> s.setFeedbackDown(s.getFeedbackDown() + 1);
            case FEEDBACK_RETRACT -> s.setFeedbackRetract(s.getFeedbackRetract() + 1);
            case JUDGE_PASS -> s.setJudgePass(s.getJudgePass() + 1);
            case JUDGE_FAIL -> s.setJudgeFail(s.getJudgeFail() + 1);
            case EXAMPLE -> s.setExamples(s.getExamples() + 1);
            case EXAMPLE_CAPPED -> s.setExamplesCapped(s.getExamplesCapped() + 1);
            case PAIR_HUMAN -> s.setPairsHuman(s.getPairsHuman() + 1);
            case PAIR_DERIVED -> s.setPairsDerived(s.getPairsDerived() + 1);
            case PAIR_JUDGE -> s.setPairsJudge(s.getPairsJudge() + 1);
            case GROUP_NO_PASS -> s.setGroupsNoPass(s.getGroupsNoPass() + 1);
            case DEAD_LETTER -> s.setDeadLetters(s.getDeadLetters() + 1);
            case GROUP_TIED -> s.setGroupsTied(s.getGroupsTied() + 1);
            case PAIR_IDENTICAL -> s.setPairsIdentical(s.getPairsIdentical() + 1);
            default -> {
                // OTHER: a kind added by a newer writer; nothing to count here.
            }
        }
        return s;
    }
}

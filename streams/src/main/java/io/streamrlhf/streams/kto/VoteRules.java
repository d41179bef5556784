package io.streamrlhf.streams.kto;

import io.streamrlhf.avro.FeedbackKind;
import io.streamrlhf.streams.avro.SourceOffset;
import io.streamrlhf.streams.avro.Vote;
import java.util.Optional;

/**
 * How one user's votes on one response become KTO emissions.
 *
 * <ul>
 *   <li>The vote with the latest feedback event time wins; equal times are broken by the larger feedback id, so
 *       out-of-order delivery ends in the same state.</li>
 *   <li>Deciding a vote emits at most one record: the first label (weight 1), a correction when the label differs
 *       from what was last emitted (weight 1, {@code correction=true}), or a cancellation when the vote was
 *       retracted after a label was emitted (weight 0, {@code correction=true}, the old label).</li>
 * </ul>
 */
public final class VoteRules {

    /**
     * What deciding a vote emits.
     *
     * @param label desirable or not
     * @param weight 1, or 0 to cancel an earlier emission
     * @param correction whether an earlier emission of this example is replaced
     */
    public record Decision(boolean label, double weight, boolean correction) {}

    private VoteRules() {}

    /** A fresh vote of {@code userId}, not yet holding any feedback. */
    public static Vote newVote(String userId) {
        // The all-fields constructor, not Avro's builder, which resolves defaults on every build.
        return new Vote(userId, "", "", Long.MIN_VALUE, -1L, false, false, false, null);
    }

    /**
     * Records feedback on {@code vote} unless a later vote already stands, or the standing vote is this very
     * feedback again (a client that retried by sending the event anew gives it a later time, but the same id).
     *
     * @return whether the feedback replaced the vote
     */
    public static boolean apply(Vote vote, String feedbackId, FeedbackKind kind, long feedbackTime, SourceOffset at) {
        if (feedbackId.equals(vote.getFeedbackId())) {
            return false;
        }
        boolean later = feedbackTime > vote.getFeedbackTime()
                || (feedbackTime == vote.getFeedbackTime() && feedbackId.compareTo(vote.getFeedbackId()) > 0);
        if (!later) {
            return false;
        }
        vote.setKind(kind.name());
        vote.setFeedbackId(feedbackId);
        vote.setFeedbackTime(feedbackTime);
        vote.setFeedbackOffset(at);
        return true;
    }

    /** Decides {@code vote} now, updating what it records as emitted; empty when nothing changes downstream. */
    public static Optional<Decision> decide(Vote vote) {
        String kind = vote.getKind();
        if (FeedbackKind.RETRACT.name().equals(kind) || kind.isEmpty()) {
            if (vote.getEmittedActive()) {
                vote.setEmittedActive(false);
                return Optional.of(new Decision(vote.getEmittedLabel(), 0.0, true));
            }
            return Optional.empty();
        }
        boolean label = FeedbackKind.THUMBS_UP.name().equals(kind);
        if (!vote.getEverEmitted()) {
            vote.setEverEmitted(true);
            vote.setEmittedActive(true);
            vote.setEmittedLabel(label);
            return Optional.of(new Decision(label, 1.0, false));
        }
        if (vote.getEmittedActive() && vote.getEmittedLabel() == label) {
            return Optional.empty();
        }
        vote.setEmittedActive(true);
        vote.setEmittedLabel(label);
        return Optional.of(new Decision(label, 1.0, true));
    }
}

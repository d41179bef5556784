package io.streamrlhf.streams.kto;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.avro.FeedbackKind;
import io.streamrlhf.streams.avro.Vote;
import io.streamrlhf.streams.kto.VoteRules.Decision;
import org.junit.jupiter.api.Test;

class VoteRulesTest {

    @Test
    void firstLabelIsEmittedWithFullWeight() {
        Vote v = VoteRules.newVote("u");
        assertThat(VoteRules.apply(v, "f1", FeedbackKind.THUMBS_UP, 10, null)).isTrue();
        assertThat(VoteRules.decide(v)).contains(new Decision(true, 1.0, false));
    }

    @Test
    void theStandingVotesOwnIdAgainChangesNothingEvenWithALaterTime() {
        Vote v = VoteRules.newVote("u");
        VoteRules.apply(v, "f1", FeedbackKind.THUMBS_DOWN, 10, null);
        VoteRules.decide(v);
        VoteRules.apply(v, "f2", FeedbackKind.THUMBS_UP, 20, null);
        VoteRules.decide(v);

        // f2 resent by a client that rebuilt it: same id, later time, and the user's other vote in between is gone
        assertThat(VoteRules.apply(v, "f2", FeedbackKind.THUMBS_UP, 30, null)).isFalse();
        assertThat(v.getFeedbackTime()).isEqualTo(20);
        assertThat(VoteRules.decide(v)).isEmpty();
    }

    @Test
    void sameLabelAgainEmitsNothing() {
        Vote v = VoteRules.newVote("u");
        VoteRules.apply(v, "f1", FeedbackKind.THUMBS_UP, 10, null);
        VoteRules.decide(v);
        VoteRules.apply(v, "f2", FeedbackKind.THUMBS_UP, 11, null);
        assertThat(VoteRules.decide(v)).isEmpty();
    }

    @Test
    void flipEmitsACorrectionWithTheNewLabel() {
        Vote v = VoteRules.newVote("u");
        VoteRules.apply(v, "f1", FeedbackKind.THUMBS_UP, 10, null);
        VoteRules.decide(v);
        VoteRules.apply(v, "f2", FeedbackKind.THUMBS_DOWN, 11, null);
        assertThat(VoteRules.decide(v)).contains(new Decision(false, 1.0, true));
    }

    @Test
    void retractAfterEmissionCancelsWithZeroWeightAndAVoteAfterThatIsACorrection() {
        Vote v = VoteRules.newVote("u");
        VoteRules.apply(v, "f1", FeedbackKind.THUMBS_DOWN, 10, null);
        VoteRules.decide(v);
        VoteRules.apply(v, "f2", FeedbackKind.RETRACT, 11, null);
        assertThat(VoteRules.decide(v)).contains(new Decision(false, 0.0, true));
        VoteRules.apply(v, "f3", FeedbackKind.THUMBS_DOWN, 12, null);
        assertThat(VoteRules.decide(v)).contains(new Decision(false, 1.0, true));
    }

    @Test
    void retractBeforeAnyEmissionEmitsNothing() {
        Vote v = VoteRules.newVote("u");
        VoteRules.apply(v, "f1", FeedbackKind.RETRACT, 10, null);
        assertThat(VoteRules.decide(v)).isEmpty();
    }

    @Test
    void olderFeedbackDoesNotReplaceANewerVoteAndEqualTimesFavourTheLargerId() {
        Vote v = VoteRules.newVote("u");
        VoteRules.apply(v, "f5", FeedbackKind.THUMBS_UP, 10, null);
        assertThat(VoteRules.apply(v, "f9", FeedbackKind.THUMBS_DOWN, 9, null)).isFalse();
        assertThat(VoteRules.apply(v, "f1", FeedbackKind.THUMBS_DOWN, 10, null)).isFalse();
        assertThat(VoteRules.apply(v, "f6", FeedbackKind.THUMBS_DOWN, 10, null)).isTrue();
        assertThat(v.getKind()).isEqualTo("THUMBS_DOWN");
    }
}

package io.streamrlhf.streams.dpo;

import static io.streamrlhf.streams.support.Events.down;
import static io.streamrlhf.streams.support.Events.preference;
import static io.streamrlhf.streams.support.Events.response;
import static io.streamrlhf.streams.support.Events.up;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.avro.DeadLetter;
import io.streamrlhf.avro.DpoPair;
import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.PairSource;
import io.streamrlhf.avro.PairwisePreference;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.avro.UserErased;
import io.streamrlhf.streams.app.StreamRlhfTopology;
import io.streamrlhf.streams.config.DpoConfig;
import io.streamrlhf.streams.config.KtoConfig;
import io.streamrlhf.streams.config.StreamsSettings;
import io.streamrlhf.streams.deadletter.DeadLetterReason;
import io.streamrlhf.streams.deadletter.DeadLetters;
import io.streamrlhf.streams.kto.KtoJoinProcessor;
import io.streamrlhf.streams.support.Harness;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Erasure in DPO pairs: pending state of an erased user is dropped, no pair is made from it, and emitted pairs
 * (explicit and derived) that hold the user's data are cancelled.
 */
class DpoErasureTest {

    private static final long T0 = 1_700_000_000_000L;
    private Harness h;

    private void start() {
        StreamsSettings settings = StreamsSettings.defaults()
                .withKto(KtoConfig.defaults().withSettleDelay(Duration.ZERO))
                .withDpo(DpoConfig.defaults());
        h = new Harness(serdes -> new StreamRlhfTopology(settings, serdes).build());
    }

    @AfterEach
    void close() {
        if (h != null) {
            h.close();
        }
    }

    private void send(ResponseGenerated r, String author, long t) {
        r.setUserId(author);
        h.responses.pipeInput(r.getResponseId(), r, t);
    }

    private void send(PairwisePreference p, String userId, long t) {
        p.setUserId(userId);
        h.preferences.pipeInput(p.getPromptId(), p, t);
    }

    private void erase(String userId, long t) {
        h.erasures.pipeInput(
                userId,
                UserErased.newBuilder()
                        .setUserId(userId)
                        .setRequestedAt(Instant.ofEpochMilli(t))
                        .setRequestId("req-" + userId)
                        .build(),
                t);
        h.driver.advanceWallClockTime(KtoJoinProcessor.ERASURE_SCAN_INTERVAL);
    }

    private void send(Feedback f, long t) {
        h.feedback.pipeInput(f.getResponseId(), f, t);
    }

    private List<DpoPair> derivedPairs() {
        return h.pairs.readValuesToList().stream()
                .filter(p -> p.getSource() == PairSource.DERIVED)
                .toList();
    }

    private List<DpoPair> humanPairs() {
        return h.pairs.readValuesToList().stream()
                .filter(p -> p.getSource() == PairSource.HUMAN)
                .toList();
    }

    @Test
    void aHumanPairNamesItsUsers() {
        start();
        send(response("a", "p1", "answer a", 2, T0), "author-a", T0);
        send(response("b", "p1", "answer b", 3, T0), null, T0);
        send(preference("pref1", "p1", "b", "a", T0 + 10), "rater", T0 + 10);

        assertThat(humanPairs())
                .singleElement()
                .satisfies(p -> assertThat(p.getUserIds()).containsExactly("rater", "author-a"));
    }

    @Test
    void anEmittedPairIsCancelledWithATextlessWeightZeroCopyWhenItsRaterIsErased() {
        // given
        start();
        send(response("a", "p1", "answer a", 2, T0), null, T0);
        send(response("b", "p1", "answer b", 3, T0), null, T0);
        send(preference("pref1", "p1", "b", "a", T0 + 1), "rater", T0 + 1);
        DpoPair emitted = humanPairs().get(0);

        // when
        erase("rater", T0 + 2);

        // then
        assertThat(humanPairs()).singleElement().satisfies(p -> {
            assertThat(p.getPairId()).isEqualTo(emitted.getPairId());
            assertThat(p.getWeight()).isZero();
            assertThat(p.getChosen()).isEmpty();
            assertThat(p.getRejected()).isEmpty();
            assertThat(p.getPrompt()).isEmpty();
        });
    }

    @Test
    void anEmittedPairIsCancelledWhenTheAuthorOfOneOfItsResponsesIsErased() {
        start();
        send(response("a", "p1", "answer a", 2, T0), "author-a", T0);
        send(response("b", "p1", "answer b", 3, T0), null, T0);
        send(preference("pref1", "p1", "b", "a", T0 + 1), "rater", T0 + 1);
        assertThat(humanPairs()).hasSize(1);

        erase("author-a", T0 + 2);

        assertThat(humanPairs())
                .singleElement()
                .satisfies(p -> assertThat(p.getWeight()).isZero());
    }

    @Test
    void aPendingPreferenceOfAnErasedUserIsDroppedAndNeverBecomesAPair() {
        // given: a preference waiting for its second response
        start();
        send(response("a", "p1", "answer a", 2, T0), null, T0);
        send(preference("pref1", "p1", "b", "a", T0 + 1), "rater", T0 + 1);

        // when
        erase("rater", T0 + 2);
        send(response("b", "p1", "answer b", 3, T0 + 3), null, T0 + 3);

        // then
        assertThat(humanPairs()).isEmpty();
    }

    @Test
    void aLaterPreferenceOfAnErasedUserIsDeadLetteredWithoutItsContent() {
        start();
        send(response("a", "p1", "answer a", 2, T0), null, T0);
        send(response("b", "p1", "answer b", 3, T0), null, T0);
        erase("rater", T0 + 1);

        send(preference("pref1", "p1", "b", "a", T0 + 2), "rater", T0 + 2);

        assertThat(humanPairs()).isEmpty();
        DeadLetter letter = h.deadLetters.readValue();
        assertThat(DeadLetters.reasonOf(letter)).isEqualTo(DeadLetterReason.USER_ERASED);
        assertThat(letter.getOriginalValue()).isNull();
        assertThat(letter.getOriginalKey()).isNull();
        assertThat(letter.getReason()).doesNotContain("rater");
    }

    @Test
    void noPairIsMadeWithAResponseWrittenForAnErasedUser() {
        // given: the response is kept before its author is erased
        start();
        send(response("a", "p1", "answer a", 2, T0), "author-a", T0);
        send(response("b", "p1", "answer b", 3, T0), null, T0);

        // when
        erase("author-a", T0 + 1);
        send(preference("pref1", "p1", "b", "a", T0 + 2), "rater", T0 + 2);

        // then
        assertThat(humanPairs()).isEmpty();
    }

    @Test
    void aDerivedPairNamesTheUsersWhoseLabelsMadeIt() {
        start();
        send(response("good", "p1", "good answer", 4, T0), "author-good", T0);
        send(response("bad", "p1", "bad answer", 4, T0), null, T0);
        send(up("f1", "good", "u1", T0 + 1), T0 + 1);
        send(up("f2", "good", "u3", T0 + 2), T0 + 2);
        send(down("f3", "bad", "u2", T0 + 3), T0 + 3);

        assertThat(derivedPairs())
                .singleElement()
                .satisfies(p -> assertThat(p.getUserIds()).containsExactly("u1", "u2", "u3"));
    }

    @Test
    void anEmittedDerivedPairIsCancelledWhenOneOfItsLabellersIsErased() {
        // given
        start();
        send(response("good", "p1", "good answer", 4, T0), null, T0);
        send(response("bad", "p1", "bad answer", 4, T0), null, T0);
        send(up("f1", "good", "u1", T0 + 1), T0 + 1);
        send(down("f2", "bad", "u2", T0 + 2), T0 + 2);
        DpoPair emitted = derivedPairs().get(0);

        // when
        erase("u2", T0 + 3);

        // then
        assertThat(derivedPairs()).singleElement().satisfies(p -> {
            assertThat(p.getPairId()).isEqualTo(emitted.getPairId());
            assertThat(p.getWeight()).isZero();
            assertThat(p.getChosen()).isEmpty();
            assertThat(p.getRejected()).isEmpty();
        });
    }

    @Test
    void aDerivedPairOfOtherUsersIsNotCancelledByAnErasure() {
        start();
        send(response("good", "p1", "good answer", 4, T0), null, T0);
        send(response("bad", "p1", "bad answer", 4, T0), null, T0);
        send(up("f1", "good", "u1", T0 + 1), T0 + 1);
        send(down("f2", "bad", "u2", T0 + 2), T0 + 2);
        assertThat(derivedPairs()).hasSize(1);

        erase("someone-else", T0 + 3);

        assertThat(derivedPairs()).isEmpty();
    }
}

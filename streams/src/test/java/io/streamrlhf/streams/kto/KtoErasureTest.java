package io.streamrlhf.streams.kto;

import static io.streamrlhf.streams.support.Events.response;
import static io.streamrlhf.streams.support.Events.up;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.streamrlhf.avro.DeadLetter;
import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.avro.UserErased;
import io.streamrlhf.streams.avro.KtoResponseState;
import io.streamrlhf.streams.avro.Vote;
import io.streamrlhf.streams.common.Ids;
import io.streamrlhf.streams.config.KtoConfig;
import io.streamrlhf.streams.config.ValidationConfig;
import io.streamrlhf.streams.deadletter.DeadLetterReason;
import io.streamrlhf.streams.deadletter.DeadLetters;
import io.streamrlhf.streams.support.Harness;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Erasure in the KTO join: an erased user's votes, early feedback and responses leave the state and the training. */
class KtoErasureTest {

    private static final long T0 = 1_700_000_000_000L;
    private Harness h;

    private void start(KtoConfig config) {
        h = new Harness(serdes -> new KtoTopology(config, ValidationConfig.defaults(), serdes).build());
    }

    @AfterEach
    void close() {
        if (h != null) {
            h.close();
        }
    }

    private void respond(String id, String author, long t) {
        ResponseGenerated r = response(id, "p-" + id, "completion of " + id, 3, t);
        r.setUserId(author);
        h.responses.pipeInput(id, r, t);
    }

    private void rate(Feedback f, long t) {
        h.feedback.pipeInput(f.getResponseId(), f, t);
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
        // The scan runs on the wall clock, so that a partition without traffic still forgets the user.
        h.driver.advanceWallClockTime(KtoJoinProcessor.ERASURE_SCAN_INTERVAL);
    }

    private KtoResponseState state(String responseId) {
        KeyValueStore<String, KtoResponseState> store = h.driver.getKeyValueStore(KtoJoinProcessor.STATE_STORE);
        return store.get(responseId);
    }

    @Test
    void anErasedUsersEmittedVoteIsCancelledWithAWeightZeroCorrectionAndLeavesTheState() {
        // given
        start(KtoConfig.defaults().withSettleDelay(Duration.ZERO));
        respond("r1", null, T0);
        rate(up("f1", "r1", "u1", T0 + 1), T0 + 1);
        rate(up("f2", "r1", "u2", T0 + 2), T0 + 2);
        assertThat(h.examples.readValuesToList()).hasSize(2);

        // when
        erase("u1", T0 + 3);

        // then
        List<KtoExample> out = h.examples.readValuesToList();
        assertThat(out)
                .extracting(
                        KtoExample::getExampleId,
                        KtoExample::getWeight,
                        KtoExample::getCorrection,
                        KtoExample::getLabel)
                .containsExactly(tuple(Ids.ktoExample("r1", "u1"), 0.0, true, true));
        assertThat(state("r1").getVotes()).extracting(Vote::getUserId).containsExactly("u2");
    }

    @Test
    void laterFeedbackFromAnErasedUserIsDeadLetteredWithoutItsContent() {
        // given
        start(KtoConfig.defaults().withSettleDelay(Duration.ZERO));
        respond("r1", null, T0);
        erase("u1", T0 + 1);

        // when
        rate(up("f1", "r1", "u1", T0 + 2), T0 + 2);

        // then
        assertThat(h.examples.isEmpty()).isTrue();
        assertThat(state("r1").getVotes()).isEmpty();
        DeadLetter letter = h.deadLetters.readValue();
        assertThat(DeadLetters.reasonOf(letter)).isEqualTo(DeadLetterReason.USER_ERASED);
        assertThat(letter.getOriginalValue()).isNull();
        assertThat(letter.getOriginalKey()).isNull();
        assertThat(letter.getReason()).doesNotContain("u1");
        assertThat(letter.getOffset()).isZero();
    }

    @Test
    void aResponseWrittenForAnErasedUserLeavesTheStateAndItsExamplesAreCancelled() {
        // given
        start(KtoConfig.defaults().withSettleDelay(Duration.ZERO));
        respond("r1", "author", T0);
        rate(up("f1", "r1", "u2", T0 + 1), T0 + 1);
        assertThat(h.examples.readValuesToList()).hasSize(1);

        // when
        erase("author", T0 + 2);
        respond("r2", "author", T0 + 3);

        // then
        assertThat(h.examples.readValuesToList())
                .extracting(KtoExample::getExampleId, KtoExample::getWeight, KtoExample::getCorrection)
                .containsExactly(tuple(Ids.ktoExample("r1", "u2"), 0.0, true));
        assertThat(state("r1")).isNull();
        assertThat(state("r2")).isNull();
        assertThat(h.deadLetters.readValuesToList())
                .extracting(DeadLetters::reasonOf)
                .containsExactly(DeadLetterReason.USER_ERASED);
    }

    @Test
    void earlyFeedbackOfAnErasedUserIsDroppedAndNeverBecomesAnExample() {
        // given
        start(KtoConfig.defaults().withSettleDelay(Duration.ZERO));
        rate(up("f1", "r1", "u1", T0), T0);
        rate(up("f2", "r1", "u2", T0), T0);

        // when
        erase("u1", T0 + 1);
        respond("r1", null, T0 + 2);

        // then
        assertThat(h.examples.readValuesToList())
                .extracting(KtoExample::getUserId)
                .containsExactly("u2");
        assertThat(h.deadLetters.isEmpty()).isTrue();
    }

    @Test
    void aVoteStillSettlingWhenItsUserIsErasedIsNeverEmitted() {
        // given
        start(KtoConfig.defaults().withSettleDelay(Duration.ofSeconds(30)));
        respond("r1", null, T0);
        rate(up("f1", "r1", "u1", T0 + 1), T0 + 1);

        // when
        erase("u1", T0 + 2);
        respond("r-later", null, T0 + 120_000);

        // then
        assertThat(h.examples.isEmpty()).isTrue();
        assertThat(state("r1").getVotes()).isEmpty();
    }
}

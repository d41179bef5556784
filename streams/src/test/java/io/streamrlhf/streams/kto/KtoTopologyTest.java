package io.streamrlhf.streams.kto;

import static io.streamrlhf.streams.support.Events.down;
import static io.streamrlhf.streams.support.Events.response;
import static io.streamrlhf.streams.support.Events.retract;
import static io.streamrlhf.streams.support.Events.up;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.streams.avro.KtoResponseState;
import io.streamrlhf.streams.common.Ids;
import io.streamrlhf.streams.config.KtoConfig;
import io.streamrlhf.streams.config.ValidationConfig;
import io.streamrlhf.streams.deadletter.DeadLetterReason;
import io.streamrlhf.streams.deadletter.DeadLetters;
import io.streamrlhf.streams.support.Harness;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KtoTopologyTest {

    private static final long T0 = 1_700_000_000_000L;
    private static final long DAY = Duration.ofDays(1).toMillis();
    private Harness h;

    private Harness start(KtoConfig config) {
        h = new Harness(serdes -> new KtoTopology(config, ValidationConfig.defaults(), serdes).build());
        return h;
    }

    private static KtoConfig immediate() {
        return KtoConfig.defaults().withSettleDelay(Duration.ZERO);
    }

    @AfterEach
    void close() {
        if (h != null) {
            h.close();
        }
    }

    private void respond(String id, long t) {
        ResponseGenerated r = response(id, "p-" + id, "completion of " + id, 3, t);
        h.responses.pipeInput(id, r, t);
    }

    private void rate(Feedback f, long t) {
        h.feedback.pipeInput(f.getResponseId(), f, t);
    }

    @Test
    void emitsExampleWhenFeedbackArrivesAfterItsResponse() {
        start(immediate());
        respond("r1", T0);
        rate(up("f1", "r1", "u1", T0 + 5), T0 + 5);

        List<KtoExample> out = h.examples.readValuesToList();
        assertThat(out).hasSize(1);
        KtoExample e = out.get(0);
        assertThat(e.getExampleId()).isEqualTo(Ids.ktoExample("r1", "u1"));
        assertThat(e.getLabel()).isTrue();
        assertThat(e.getWeight()).isEqualTo(1.0);
        assertThat(e.getCorrection()).isFalse();
        assertThat(e.getPrompt()).isEqualTo("prompt of p-r1");
        assertThat(e.getCompletion()).isEqualTo("completion of r1");
        assertThat(e.getPolicyVersion()).isEqualTo(3);
        assertThat(e.getResponseTime().toEpochMilli()).isEqualTo(T0);
        assertThat(e.getFeedbackTime().toEpochMilli()).isEqualTo(T0 + 5);
        assertThat(e.getSourceOffsets()).hasSize(2);
    }

    @Test
    void anExampleSaysWhetherItsCompletionWasCutOffAtTheTokenLimit() {
        start(immediate());
        ResponseGenerated cut = response("r1", "p-r1", "and so on and so on", 3, T0);
        cut.setTruncated(true);
        h.responses.pipeInput("r1", cut, T0);
        respond("r2", T0);
        rate(down("f1", "r1", "u1", T0 + 5), T0 + 5);
        rate(up("f2", "r2", "u1", T0 + 6), T0 + 6);

        assertThat(h.examples.readValuesToList())
                .extracting(KtoExample::getResponseId, KtoExample::getTruncated)
                .containsExactly(tuple("r1", true), tuple("r2", false));
    }

    @Test
    void emitsExampleWhenFeedbackArrivesBeforeItsResponse() {
        start(immediate());
        rate(down("f1", "r1", "u1", T0), T0);
        assertThat(h.examples.isEmpty()).isTrue();

        respond("r1", T0 + 1_000);

        List<KtoExample> out = h.examples.readValuesToList();
        assertThat(out).singleElement().satisfies(e -> assertThat(e.getLabel()).isFalse());
        assertThat(h.deadLetters.isEmpty()).isTrue();
    }

    @Test
    void emitsExampleWhenFeedbackArrivesDaysAfterItsResponseWithinRetention() {
        start(immediate());
        respond("r1", T0);
        respond("other", T0 + 6 * DAY);
        rate(up("f1", "r1", "u1", T0 + 6 * DAY), T0 + 6 * DAY);

        assertThat(h.examples.readValuesToList())
                .singleElement()
                .satisfies(e -> assertThat(e.getResponseId()).isEqualTo("r1"));
    }

    @Test
    void deadLettersFeedbackWhoseResponseNeverArrivesWithinTheBuffer() {
        start(immediate());
        rate(up("f1", "missing", "u1", T0), T0);
        respond("r2", T0 + Duration.ofMinutes(11).toMillis());

        assertThat(h.examples.isEmpty()).isTrue();
        var letters = h.deadLetters.readValuesToList();
        assertThat(letters).singleElement().satisfies(d -> {
            assertThat(DeadLetters.reasonOf(d)).isEqualTo(DeadLetterReason.RESPONSE_NOT_FOUND);
            assertThat(d.getTopic()).isEqualTo(h.topics.feedback().name());
            assertThat(d.getOffset()).isEqualTo(0L);
            assertThat(h.topics
                            .feedback()
                            .valueSerde()
                            .deserializer()
                            .deserialize(d.getTopic(), DeadLetters.toBytes(d.getOriginalValue()))
                            .getFeedbackId())
                    .isEqualTo("f1");
        });
    }

    @Test
    void deadLettersFeedbackThatArrivesAfterItsResponseExpired() {
        start(immediate());
        respond("r1", T0);
        respond("later", T0 + 8 * DAY);
        rate(up("f1", "r1", "u1", T0 + 8 * DAY), T0 + 8 * DAY);
        respond("much-later", T0 + 8 * DAY + Duration.ofMinutes(11).toMillis());

        assertThat(h.examples.isEmpty()).isTrue();
        assertThat(h.deadLetters.readValuesToList())
                .singleElement()
                .satisfies(d -> assertThat(DeadLetters.reasonOf(d)).isEqualTo(DeadLetterReason.RESPONSE_NOT_FOUND));
    }

    @Test
    void deadLettersFeedbackThatArrivesJustAsItsResponseExpiresBeforeTheExpiryEntryComesDue() {
        // The feedback itself moves stream time past the retention: it reads the response as expired and waits as
        // early feedback; the response's expiry entry, due in the same punctuation, must not delete that wait.
        start(immediate());
        respond("r1", T0);
        rate(up("f1", "r1", "u1", T0 + 7 * DAY), T0 + 7 * DAY);
        respond("much-later", T0 + 7 * DAY + Duration.ofMinutes(11).toMillis());

        assertThat(h.examples.isEmpty()).isTrue();
        assertThat(h.deadLetters.readValuesToList())
                .singleElement()
                .satisfies(d -> assertThat(DeadLetters.reasonOf(d)).isEqualTo(DeadLetterReason.RESPONSE_NOT_FOUND));
    }

    @Test
    void deletesAResponseFromStateOnceItsRetentionHasPassed() {
        start(immediate());
        respond("old", T0);
        respond("fresh", T0 + 2 * DAY);
        KeyValueStore<String, KtoResponseState> states = h.driver.getKeyValueStore(KtoJoinProcessor.STATE_STORE);
        assertThat(states.get("old")).isNotNull();

        respond("tick", T0 + 8 * DAY); // stream time passes old's retention, not fresh's
        assertThat(states.get("old")).isNull();
        assertThat(states.get("fresh")).isNotNull();
    }

    @Test
    void writesTheChangedStateToItsChangelogBeforeEachCommit() {
        start(immediate());
        respond("r1", T0);
        rate(up("f1", "r1", "u1", T0 + 1), T0 + 1);

        // The driver commits after every record; a state cached as an object must reach the changelog by then.
        var changelog = h.driver.createOutputTopic(
                "test-" + KtoJoinProcessor.STATE_STORE + "-changelog",
                new StringDeserializer(),
                h.serdes.ktoResponseState().deserializer());
        assertThat(changelog.readKeyValuesToList())
                .extracting(kv -> kv.key, kv -> kv.value.getVotes().size())
                .containsExactly(tuple("r1", 0), tuple("r1", 1));
    }

    @Test
    void deletesExpiredResponsesInBatchesNeverEarlyAndAtMostOnePunctuationLate() {
        start(immediate());
        respond("a", T0);
        respond("b", T0 + 300);
        respond("c", T0 + 900); // expiries within one punctuation interval (1 s) share a schedule entry
        respond("d", T0 + 5_000);
        KeyValueStore<String, KtoResponseState> states = h.driver.getKeyValueStore(KtoJoinProcessor.STATE_STORE);

        respond("tick", T0 + 7 * DAY + 500); // a and b have expired (and read as absent); c and d have not
        assertThat(states.get("c")).isNotNull();
        assertThat(states.get("d")).isNotNull();
        respond("tock", T0 + 7 * DAY + 1_900); // one interval past c's expiry
        assertThat(List.of("a", "b", "c"))
                .allSatisfy(id -> assertThat(states.get(id)).isNull());
        assertThat(states.get("d")).isNotNull();
    }

    @Test
    void deletesAnOutOfOrderResponseWithinOnePunctuationOfItsOwnExpiry() {
        start(immediate());
        respond("x", T0 + 4_100); // the first record punctuates at once, the next punctuation is at T0 + 5 s
        respond("a", T0 + 4_500);
        respond("late", T0); // an older record after a newer one: its expiry must not wait for a's
        KeyValueStore<String, KtoResponseState> states = h.driver.getKeyValueStore(KtoJoinProcessor.STATE_STORE);

        respond("tick", T0 + 7 * DAY + 1_000);
        assertThat(states.get("late")).isNull();
        assertThat(states.get("a")).isNotNull();
        assertThat(states.get("x")).isNotNull();
    }

    @Test
    void dropsRedeliveredFeedbackWithTheSameId() {
        start(immediate());
        respond("r1", T0);
        rate(up("f1", "r1", "u1", T0 + 1), T0 + 1);
        rate(up("f1", "r1", "u1", T0 + 1), T0 + 2);
        rate(down("f1", "r1", "u1", T0 + 3), T0 + 3);

        assertThat(h.examples.readValuesToList())
                .singleElement()
                .satisfies(e -> assertThat(e.getLabel()).isTrue());
    }

    @Test
    void emitsOneExamplePerUserOnTheSameResponse() {
        start(immediate());
        respond("r1", T0);
        rate(up("f1", "r1", "u1", T0 + 1), T0 + 1);
        rate(down("f2", "r1", "u2", T0 + 2), T0 + 2);

        assertThat(h.examples.readKeyValuesToMap())
                .containsOnlyKeys(Ids.ktoExample("r1", "u1"), Ids.ktoExample("r1", "u2"));
    }

    @Test
    void emitsCorrectionWhenUserFlipsAfterEmission() {
        start(immediate());
        respond("r1", T0);
        rate(up("f1", "r1", "u1", T0 + 1), T0 + 1);
        rate(down("f2", "r1", "u1", T0 + 2), T0 + 2);

        List<KtoExample> out = h.examples.readValuesToList();
        assertThat(out).hasSize(2);
        assertThat(out.get(1).getExampleId()).isEqualTo(out.get(0).getExampleId());
        assertThat(out.get(1).getCorrection()).isTrue();
        assertThat(out.get(1).getLabel()).isFalse();
        assertThat(out.get(1).getWeight()).isEqualTo(1.0);
    }

    @Test
    void emitsCancellationWithZeroWeightWhenUserRetractsAfterEmission() {
        start(immediate());
        respond("r1", T0);
        rate(up("f1", "r1", "u1", T0 + 1), T0 + 1);
        rate(retract("f2", "r1", "u1", T0 + 2), T0 + 2);
        rate(retract("f3", "r1", "u1", T0 + 3), T0 + 3);

        List<KtoExample> out = h.examples.readValuesToList();
        assertThat(out).hasSize(2);
        assertThat(out.get(1).getCorrection()).isTrue();
        assertThat(out.get(1).getWeight()).isEqualTo(0.0);
        assertThat(out.get(1).getLabel()).isTrue();
    }

    @Test
    void ignoresAnOlderVoteThatArrivesAfterANewerOne() {
        start(immediate());
        respond("r1", T0);
        rate(down("f2", "r1", "u1", T0 + 10), T0 + 10);
        rate(up("f1", "r1", "u1", T0 + 5), T0 + 11);

        assertThat(h.examples.readValuesToList())
                .singleElement()
                .satisfies(e -> assertThat(e.getLabel()).isFalse());
    }

    @Test
    void settleDelayEmitsOnlyTheFinalVoteOnceStreamTimePassesIt() {
        start(KtoConfig.defaults().withSettleDelay(Duration.ofSeconds(30)));
        respond("r1", T0);
        rate(up("f1", "r1", "u1", T0 + 1_000), T0 + 1_000);
        rate(down("f2", "r1", "u1", T0 + 10_000), T0 + 10_000);
        respond("tick", T0 + 39_000);
        assertThat(h.examples.isEmpty()).isTrue();

        respond("tick2", T0 + 40_000);

        assertThat(h.examples.readValuesToList()).singleElement().satisfies(e -> {
            assertThat(e.getLabel()).isFalse();
            assertThat(e.getCorrection()).isFalse();
        });
    }

    @Test
    void settleDelayEmitsNothingWhenTheVoteIsRetractedBeforeItSettles() {
        start(KtoConfig.defaults().withSettleDelay(Duration.ofSeconds(30)));
        respond("r1", T0);
        rate(up("f1", "r1", "u1", T0 + 1_000), T0 + 1_000);
        rate(retract("f2", "r1", "u1", T0 + 2_000), T0 + 2_000);
        respond("tick", T0 + 60_000);

        assertThat(h.examples.isEmpty()).isTrue();
    }

    @Test
    void perUserCapEmitsTheExcessWithZeroWeightAndCappedLabelsStayCapped() {
        start(immediate().withUserLabelsPerHour(2));
        for (int i = 0; i < 3; i++) {
            respond("r" + i, T0);
            rate(up("f" + i, "r" + i, "heavy", T0 + i), T0 + i);
        }
        rate(down("f9", "r2", "heavy", T0 + 9), T0 + 9);
        respond("r-next-hour", T0 + Duration.ofHours(1).toMillis());
        rate(
                up("fn", "r-next-hour", "heavy", T0 + Duration.ofHours(1).toMillis()),
                T0 + Duration.ofHours(1).toMillis());

        List<KtoExample> out = h.examples.readValuesToList();
        assertThat(out).extracting(KtoExample::getWeight).containsExactly(1.0, 1.0, 0.0, 0.0, 1.0);
        assertThat(out.get(3).getCorrection()).isTrue();
    }
}

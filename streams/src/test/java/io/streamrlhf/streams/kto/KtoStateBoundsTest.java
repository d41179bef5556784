package io.streamrlhf.streams.kto;

import static io.streamrlhf.streams.support.Events.down;
import static io.streamrlhf.streams.support.Events.response;
import static io.streamrlhf.streams.support.Events.up;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.avro.DeadLetter;
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
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A flooded response: its state stays within its bounds, the excess is dead-lettered, everything else flows. */
class KtoStateBoundsTest {

    private static final long T0 = 1_700_000_000_000L;
    private Harness h;

    private void start(KtoConfig config) {
        h = new Harness(serdes -> new KtoTopology(config, ValidationConfig.defaults(), serdes).build());
    }

    private static KtoConfig immediate() {
        return KtoConfig.defaults().withSettleDelay(Duration.ZERO).withUserLabelsPerHour(0);
    }

    @AfterEach
    void close() {
        if (h != null) {
            h.close();
        }
    }

    private void respond(ResponseGenerated r, long t) {
        h.responses.pipeInput(r.getResponseId(), r, t);
    }

    private void rate(Feedback f, long t) {
        h.feedback.pipeInput(f.getResponseId(), f, t);
    }

    private KeyValueStore<String, KtoResponseState> states() {
        return h.driver.getKeyValueStore(KtoJoinProcessor.STATE_STORE);
    }

    /** Key plus value bytes of every changelog record of the response state store. */
    private List<Integer> changelogRecordSizes() {
        TestOutputTopic<String, byte[]> changelog = h.driver.createOutputTopic(
                "test-" + KtoJoinProcessor.STATE_STORE + "-changelog",
                new StringDeserializer(),
                new ByteArrayDeserializer());
        return changelog.readRecordsToList().stream()
                .map(r -> r.key().getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                        + (r.value() == null ? 0 : r.value().length))
                .toList();
    }

    @Test
    void twentyThousandDistinctVotersOnOneResponseKeepItsStateAtTheVoteBoundAndDeadLetterTheRest() {
        KtoConfig config = immediate();
        start(config);
        int voters = 20_000;
        int bound = config.maxVotesPerResponse();
        respond(response("hot", "p-hot", "a popular answer", 1, T0), T0);
        for (int i = 0; i < voters; i++) {
            rate(up("f" + i, "hot", "user-" + i, T0 + 1 + i), T0 + 1 + i);
        }

        List<KtoExample> examples = h.examples.readValuesToList();
        assertThat(examples).hasSize(bound);
        assertThat(examples.stream().map(KtoExample::getUserId).collect(Collectors.toSet()))
                .isEqualTo(IntStream.range(0, bound).mapToObj(i -> "user-" + i).collect(Collectors.toSet()));
        List<DeadLetter> letters = h.deadLetters.readValuesToList();
        assertThat(letters).hasSize(voters - bound);
        assertThat(letters).allSatisfy(l -> {
            assertThat(DeadLetters.reasonOf(l)).isEqualTo(DeadLetterReason.RESPONSE_VOTES_LIMIT);
            assertThat(l.getTopic()).isEqualTo(h.topics.feedback().name());
            assertThat(l.getOriginalValue()).isNotNull();
        });
        // The feedback records after the first `bound`: the partition's offsets count every record piped in.
        assertThat(letters.stream().map(DeadLetter::getOffset).collect(Collectors.toSet()))
                .isEqualTo(
                        IntStream.range(bound, voters).mapToObj(i -> (long) i).collect(Collectors.toSet()));
        assertThat(states().get("hot").getVotes()).hasSize(bound);
        assertThat(changelogRecordSizes())
                .isNotEmpty()
                .allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(config.maxStateBytes()));

        // A voter already counted may still change their vote; other responses are untouched.
        rate(down("f-flip", "hot", "user-7", T0 + voters + 10), T0 + voters + 10);
        respond(response("calm", "p-calm", "another answer", 1, T0 + voters + 20), T0 + voters + 20);
        rate(up("f-calm", "calm", "user-19999", T0 + voters + 30), T0 + voters + 30);
        assertThat(h.examples.readKeyValuesToMap())
                .containsOnlyKeys(Ids.ktoExample("hot", "user-7"), Ids.ktoExample("calm", "user-19999"));
        assertThat(h.deadLetters.isEmpty()).isTrue();
    }

    @Test
    void votesWithLongUserIdsStopAtTheBytesBoundAndEveryChangelogRecordStaysWithinIt() {
        KtoConfig config = immediate().withStateBounds(1000, 64 * 1024);
        start(config);
        respond(response("r1", "p1", "answer", 1, T0), T0);
        String longId = "u".repeat(2_000);
        int sent = 200;
        for (int i = 0; i < sent; i++) {
            rate(up("f" + i, "r1", longId + i, T0 + 1 + i), T0 + 1 + i);
        }

        int accepted = h.examples.readValuesToList().size();
        List<DeadLetter> letters = h.deadLetters.readValuesToList();
        // Each vote holds a 2,000-byte user id: 64 KiB has room for about 30, far fewer than the 1,000 allowed.
        assertThat(accepted).isBetween(20, 40);
        assertThat(letters)
                .hasSize(sent - accepted)
                .allSatisfy(l -> assertThat(DeadLetters.reasonOf(l)).isEqualTo(DeadLetterReason.RESPONSE_STATE_LIMIT));
        assertThat(states().get("r1").getVotes()).hasSize(accepted);
        byte[] stored = h.serdes.ktoResponseState().serializer().serialize("t", states().get("r1"));
        assertThat(stored.length + 2).isLessThanOrEqualTo(config.maxStateBytes());
        assertThat(changelogRecordSizes()).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(config.maxStateBytes()));

        respond(response("r2", "p2", "answer", 1, T0 + 1_000), T0 + 1_000);
        rate(up("g1", "r2", longId, T0 + 1_001), T0 + 1_001);
        assertThat(h.examples.readValuesToList())
                .singleElement()
                .satisfies(e -> assertThat(e.getResponseId()).isEqualTo("r2"));
    }

    @Test
    void feedbackWaitingForAResponseIsBoundedAndTheWaitingVotesCountWhenItArrives() {
        start(immediate().withStateBounds(50, 512 * 1024));
        for (int i = 0; i < 120; i++) {
            rate(up("f" + i, "late", "user-" + i, T0 + i), T0 + i);
        }
        List<DeadLetter> letters = h.deadLetters.readValuesToList();
        assertThat(letters)
                .hasSize(70)
                .allSatisfy(l -> assertThat(DeadLetters.reasonOf(l)).isEqualTo(DeadLetterReason.RESPONSE_VOTES_LIMIT));
        assertThat(states().get("late").getEarly()).hasSize(50);

        respond(response("late", "p-late", "answer", 1, T0 + 200), T0 + 200);
        assertThat(h.examples.readValuesToList()).hasSize(50);
        assertThat(states().get("late").getVotes()).hasSize(50);
    }

    @Test
    void aResponseTooLargeForItsStateIsDeadLetteredAndLeavesNoState() {
        KtoConfig config = immediate();
        start(config);
        ResponseGenerated huge = response("huge", "p-huge", "answer", 4, T0);
        huge.setPrompt("x".repeat(config.maxStateBytes()));
        respond(huge, T0);
        rate(up("f1", "huge", "u1", T0 + 1), T0 + 1);

        List<TestRecord<byte[], DeadLetter>> letters = h.deadLetters.readRecordsToList();
        assertThat(letters).singleElement().satisfies(r -> {
            assertThat(DeadLetters.reasonOf(r.value())).isEqualTo(DeadLetterReason.RESPONSE_STATE_LIMIT);
            assertThat(r.value().getTopic()).isEqualTo(h.topics.responses().name());
            assertThat(new String(r.key(), java.nio.charset.StandardCharsets.UTF_8))
                    .isEqualTo("huge");
        });
        // The feedback waits for a response that never made it in, as for one that never arrived.
        assertThat(states().get("huge").getResponse()).isNull();
        assertThat(h.examples.isEmpty()).isTrue();
        assertThat(Set.copyOf(changelogRecordSizes()))
                .allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(config.maxStateBytes()));
    }
}

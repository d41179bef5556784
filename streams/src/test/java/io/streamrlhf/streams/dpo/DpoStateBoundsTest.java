package io.streamrlhf.streams.dpo;

import static io.streamrlhf.streams.support.Events.down;
import static io.streamrlhf.streams.support.Events.response;
import static io.streamrlhf.streams.support.Events.rollout;
import static io.streamrlhf.streams.support.Events.up;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.avro.DeadLetter;
import io.streamrlhf.avro.DpoPair;
import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.PairSource;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.streams.app.StreamRlhfTopology;
import io.streamrlhf.streams.avro.DerivedPromptState;
import io.streamrlhf.streams.avro.RolloutGroup;
import io.streamrlhf.streams.common.AvroSize;
import io.streamrlhf.streams.common.ScheduleIndex;
import io.streamrlhf.streams.config.DpoConfig;
import io.streamrlhf.streams.config.KtoConfig;
import io.streamrlhf.streams.config.StreamsSettings;
import io.streamrlhf.streams.deadletter.DeadLetterReason;
import io.streamrlhf.streams.deadletter.DeadLetters;
import io.streamrlhf.streams.support.Harness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A flooded prompt: its derived-pair state and rollout groups stay within their bounds, everything else flows. */
class DpoStateBoundsTest {

    private static final long T0 = 1_700_000_000_000L;
    private Harness h;

    private void start(DpoConfig dpo) {
        StreamsSettings settings = StreamsSettings.defaults()
                .withKto(KtoConfig.defaults().withSettleDelay(Duration.ZERO).withUserLabelsPerHour(0))
                .withDpo(dpo);
        h = new Harness(serdes -> new StreamRlhfTopology(settings, serdes).build());
    }

    @AfterEach
    void close() {
        if (h != null) {
            h.close();
        }
    }

    private void send(ResponseGenerated r, long t) {
        h.responses.pipeInput(r.getResponseId(), r, t);
    }

    private void send(Feedback f, long t) {
        h.feedback.pipeInput(f.getResponseId(), f, t);
    }

    private Map<DeadLetterReason, Long> reasons(List<DeadLetter> letters) {
        return letters.stream().collect(Collectors.groupingBy(DeadLetters::reasonOf, Collectors.counting()));
    }

    @Test
    void thousandsOfLabelledResponsesOnOnePromptKeepItsStateAtTheResponseBoundAndOtherPromptsStillPair() {
        DpoConfig config = DpoConfig.defaults();
        start(config);
        int responses = 2_000;
        for (int i = 0; i < responses; i++) {
            long t = T0 + 2L * i;
            send(response("r" + i, "hot", "answer " + i, 1, t), t);
            send(
                    i % 2 == 0 ? up("f" + i, "r" + i, "user-" + i, t + 1) : down("f" + i, "r" + i, "user-" + i, t + 1),
                    t + 1);
        }

        int bound = config.derivedResponsesPerPrompt();
        // KTO is not bounded per prompt: every label is an example.
        assertThat(h.examples.readValuesToList()).hasSize(responses);
        List<DeadLetter> letters = h.deadLetters.readValuesToList();
        assertThat(reasons(letters))
                .containsExactly(Map.entry(DeadLetterReason.PROMPT_STATE_LIMIT, (long) (responses - bound)));
        // Each letter points at the feedback whose label the prompt could not take.
        assertThat(letters)
                .allSatisfy(l ->
                        assertThat(l.getTopic()).isEqualTo(h.topics.feedback().name()));
        assertThat(letters.stream().map(DeadLetter::getOffset).collect(Collectors.toSet()))
                .hasSize(responses - bound)
                .allSatisfy(o -> assertThat(o).isGreaterThanOrEqualTo(bound));
        KeyValueStore<String, DerivedPromptState> states = h.driver.getKeyValueStore(DerivedPairProcessor.STATE_STORE);
        assertThat(states.get("hot").getResponses()).hasSize(bound);
        assertThat(h.pairs.readValuesToList().stream().filter(p -> p.getSource() == PairSource.DERIVED))
                .hasSize(config.derivedPairsPerPrompt());

        long t = T0 + 2L * responses + 10;
        send(response("good", "calm", "good answer", 1, t), t);
        send(response("bad", "calm", "bad answer", 1, t), t);
        send(up("g1", "good", "user-1", t + 1), t + 1);
        send(down("g2", "bad", "user-2", t + 2), t + 2);
        assertThat(h.pairs.readValuesToList()).singleElement().satisfies(p -> {
            assertThat(p.getSource()).isEqualTo(PairSource.DERIVED);
            assertThat(p.getChosenResponseId()).isEqualTo("good");
            assertThat(p.getRejectedResponseId()).isEqualTo("bad");
        });
        assertThat(h.deadLetters.isEmpty()).isTrue();
    }

    @Test
    void longLabelledResponsesOnOnePromptStopAtTheBytesBound() {
        DpoConfig config = DpoConfig.defaults();
        start(config);
        String longAnswer = "a".repeat(30_000);
        int responses = 40;
        for (int i = 0; i < responses; i++) {
            long t = T0 + 2L * i;
            send(response("r" + i, "hot", longAnswer + i, 1, t), t);
            send(up("f" + i, "r" + i, "user-" + i, t + 1), t + 1);
        }

        // About 30 KB per response: 512 KiB has room for 17, far fewer than the 100 responses allowed.
        KeyValueStore<String, DerivedPromptState> states = h.driver.getKeyValueStore(DerivedPairProcessor.STATE_STORE);
        DerivedPromptState hot = states.get("hot");
        assertThat(hot.getResponses()).hasSize(17);
        assertThat(AvroSize.exact(hot) + "hot".length()).isLessThanOrEqualTo(config.maxStateBytes());
        assertThat(reasons(h.deadLetters.readValuesToList()))
                .containsExactly(Map.entry(DeadLetterReason.PROMPT_STATE_LIMIT, (long) responses - 17));
    }

    @Test
    void rolloutsBeyondTheBytesBoundOfTheirGroupAreDeadLetteredAndTheRestAreJudged() {
        DpoConfig d = DpoConfig.defaults();
        DpoConfig config = new DpoConfig(
                d.derivedWindow(),
                d.derivedPairsPerPrompt(),
                d.preferenceBuffer(),
                d.responseRetention(),
                50,
                d.rolloutWindow(),
                d.rho(),
                d.pairTies(),
                d.punctuateInterval(),
                d.derivedResponsesPerPrompt(),
                d.maxStateBytes());
        start(config);
        String longAnswer = "The answer is 4. ".repeat(1_800); // 30,600 characters: 512 KiB holds 17 of them
        for (int i = 0; i < 30; i++) {
            send(rollout("ro" + i, "math", longAnswer + i, 3, T0 + i), T0 + i);
        }
        String key = ScheduleIndex.tag("math", "3");
        KeyValueStore<String, RolloutGroup> groups = h.driver.getKeyValueStore(JudgedRolloutProcessor.GROUPS_STORE);
        int kept = groups.get(key).getRollouts().size();
        assertThat(kept).isEqualTo(17);
        assertThat(AvroSize.exact(groups.get(key)) + key.length()).isLessThanOrEqualTo(config.maxStateBytes());
        List<DeadLetter> letters = h.deadLetters.readValuesToList();
        assertThat(reasons(letters)).containsExactly(Map.entry(DeadLetterReason.ROLLOUT_GROUP_LIMIT, 30L - kept));
        assertThat(letters)
                .allSatisfy(l ->
                        assertThat(l.getTopic()).isEqualTo(h.topics.responses().name()));

        // The window closes: every kept rollout is judged, none of the dead-lettered ones.
        send(
                rollout("tick", "other", "x", 3, T0 + Duration.ofMinutes(5).toMillis()),
                T0 + Duration.ofMinutes(5).toMillis());
        assertThat(h.verdicts.readValuesToList().stream()
                        .map(v -> v.getResponseId())
                        .filter(id -> id.startsWith("ro")))
                .hasSize(kept);
        List<DpoPair> pairs = h.pairs.readValuesToList();
        assertThat(pairs).allSatisfy(p -> assertThat(p.getPromptId()).isEqualTo("math"));
    }
}

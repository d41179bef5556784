package io.streamrlhf.streams.dpo;

import static io.streamrlhf.streams.support.Events.down;
import static io.streamrlhf.streams.support.Events.preference;
import static io.streamrlhf.streams.support.Events.prompt;
import static io.streamrlhf.streams.support.Events.response;
import static io.streamrlhf.streams.support.Events.rollout;
import static io.streamrlhf.streams.support.Events.up;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.avro.DpoPair;
import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.JudgeVerdict;
import io.streamrlhf.avro.PairSource;
import io.streamrlhf.avro.PairwisePreference;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.streams.app.StreamRlhfTopology;
import io.streamrlhf.streams.avro.VersionMinuteStats;
import io.streamrlhf.streams.common.Ids;
import io.streamrlhf.streams.config.DpoConfig;
import io.streamrlhf.streams.config.KtoConfig;
import io.streamrlhf.streams.config.StreamsKeys;
import io.streamrlhf.streams.config.StreamsSettings;
import io.streamrlhf.streams.deadletter.DeadLetterReason;
import io.streamrlhf.streams.deadletter.DeadLetters;
import io.streamrlhf.streams.judge.EndTokenJudge;
import io.streamrlhf.streams.monitor.MonitorTopology;
import io.streamrlhf.streams.support.Harness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DpoTopologyTest {

    private static final long T0 = 1_700_000_000_000L;
    private Harness h;

    private void start(DpoConfig dpo) {
        StreamsSettings settings = StreamsSettings.defaults()
                .withKto(KtoConfig.defaults().withSettleDelay(Duration.ZERO))
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
        h.responses.pipeInput(r.getResponseId().toString(), r, t);
    }

    private void send(Feedback f, long t) {
        h.feedback.pipeInput(f.getResponseId(), f, t);
    }

    private void send(PairwisePreference p, long t) {
        h.preferences.pipeInput(p.getPromptId(), p, t);
    }

    private List<DpoPair> pairs(PairSource source) {
        return h.pairs.readValuesToList().stream()
                .filter(p -> p.getSource() == source)
                .toList();
    }

    @Test
    void emitsHumanPairWhenPreferenceArrivesAfterBothResponses() {
        start(DpoConfig.defaults());
        send(response("a", "p1", "answer a", 2, T0), T0);
        send(response("b", "p1", "answer b", 3, T0), T0);
        send(preference("pref1", "p1", "b", "a", T0 + 10), T0 + 10);

        assertThat(pairs(PairSource.HUMAN)).singleElement().satisfies(p -> {
            assertThat(p.getChosen()).isEqualTo("answer b");
            assertThat(p.getRejected()).isEqualTo("answer a");
            assertThat(p.getChosenPolicyVersion()).isEqualTo(3);
            assertThat(p.getRejectedPolicyVersion()).isEqualTo(2);
            assertThat(p.getPrompt()).isEqualTo("prompt of p1");
        });
    }

    @Test
    void emitsHumanPairWhenResponsesArriveAfterThePreference() {
        start(DpoConfig.defaults());
        send(preference("pref1", "p1", "a", "b", T0), T0);
        send(response("a", "p1", "answer a", 1, T0 + 5), T0 + 5);
        assertThat(h.pairs.isEmpty()).isTrue();
        send(response("b", "p1", "answer b", 1, T0 + 6), T0 + 6);

        assertThat(pairs(PairSource.HUMAN))
                .singleElement()
                .satisfies(p -> assertThat(p.getChosenResponseId()).isEqualTo("a"));
    }

    @Test
    void dropsARedeliveredPreference() {
        start(DpoConfig.defaults());
        send(response("a", "p1", "answer a", 1, T0), T0);
        send(response("b", "p1", "answer b", 1, T0), T0);
        send(preference("pref1", "p1", "a", "b", T0 + 1), T0 + 1);
        send(preference("pref1", "p1", "a", "b", T0 + 1), T0 + 2);

        assertThat(pairs(PairSource.HUMAN)).hasSize(1);
    }

    @Test
    void deadLettersPreferenceWhoseResponsesNeverArrive() {
        start(DpoConfig.defaults());
        send(response("a", "p1", "answer a", 1, T0), T0);
        send(preference("pref1", "p1", "a", "never", T0), T0);
        send(
                response("tick", "p2", "x", 1, T0 + Duration.ofMinutes(11).toMillis()),
                T0 + Duration.ofMinutes(11).toMillis());

        assertThat(h.pairs.isEmpty()).isTrue();
        assertThat(h.deadLetters.readValuesToList()).singleElement().satisfies(d -> {
            assertThat(DeadLetters.reasonOf(d)).isEqualTo(DeadLetterReason.RESPONSE_NOT_FOUND);
            assertThat(d.getTopic()).isEqualTo(h.topics.preferences().name());
        });
    }

    @Test
    void emitsDerivedPairFromOppositeThumbsOnOnePrompt() {
        start(DpoConfig.defaults());
        send(response("good", "p1", "good answer", 4, T0), T0);
        send(response("bad", "p1", "bad answer", 4, T0), T0);
        send(up("f1", "good", "u1", T0 + 1), T0 + 1);
        send(down("f2", "bad", "u2", T0 + 2), T0 + 2);

        assertThat(pairs(PairSource.DERIVED)).singleElement().satisfies(p -> {
            assertThat(p.getChosenResponseId()).isEqualTo("good");
            assertThat(p.getRejectedResponseId()).isEqualTo("bad");
            assertThat(p.getPromptId()).isEqualTo("p1");
        });
    }

    @Test
    void doesNotDeriveAPairFromLabelsFurtherApartThanTheWindow() {
        start(DpoConfig.defaults());
        long later = T0 + Duration.ofHours(2).toMillis();
        send(response("good", "p1", "good answer", 4, T0), T0);
        send(response("bad", "p1", "bad answer", 4, T0), T0);
        send(up("f1", "good", "u1", T0 + 1), T0 + 1);
        send(down("f2", "bad", "u2", later), later);

        assertThat(pairs(PairSource.DERIVED)).isEmpty();
    }

    @Test
    void capsDerivedPairsPerPrompt() {
        start(new DpoConfig(
                Duration.ofHours(1),
                2,
                Duration.ofMinutes(10),
                Duration.ofDays(7),
                4,
                Duration.ofSeconds(60),
                0.1,
                true,
                Duration.ofSeconds(1),
                100,
                512 << 10));
        send(response("bad", "p1", "bad answer", 1, T0), T0);
        send(down("f0", "bad", "u0", T0 + 1), T0 + 1);
        for (int i = 0; i < 4; i++) {
            send(response("good" + i, "p1", "good answer " + i, 1, T0), T0);
            send(up("f" + (i + 1), "good" + i, "u" + (i + 1), T0 + 2 + i), T0 + 2 + i);
        }

        assertThat(pairs(PairSource.DERIVED))
                .extracting(DpoPair::getChosenResponseId)
                .containsExactly("good0", "good1");
    }

    @Test
    void judgesARolloutGroupOnceKRolloutsArriveAndEmitsVerdictsAndOnePair() {
        start(DpoConfig.defaults());
        h.prompts.pipeInput("math", prompt("math", "arithmetic", "4", T0), T0);
        send(rollout("r1", "math", "2+2 is 4", 7, T0 + 1), T0 + 1);
        send(rollout("r2", "math", "The answer: 4", 7, T0 + 2), T0 + 2);
        send(rollout("r3", "math", "5", 7, T0 + 3), T0 + 3);
        assertThat(h.verdicts.isEmpty()).isTrue();
        send(rollout("r4", "math", "As an AI language model I think 4", 7, T0 + 4), T0 + 4);

        List<JudgeVerdict> verdicts = h.verdicts.readValuesToList();
        assertThat(verdicts).extracting(JudgeVerdict::getResponseId).containsExactly("r1", "r2", "r3", "r4");
        assertThat(verdicts).extracting(JudgeVerdict::getPassedAll).containsExactly(true, true, false, false);
        assertThat(pairs(PairSource.JUDGE)).singleElement().satisfies(p -> {
            assertThat(p.getChosenResponseId()).isEqualTo("r1");
            assertThat(p.getRejectedResponseId()).isEqualTo("r3");
            assertThat(p.getChosenPolicyVersion()).isEqualTo(7);
            assertThat(p.getChosenScores()).isNotEmpty();
            assertThat(p.getRejectedScores())
                    .anySatisfy(s -> assertThat(s.getPassed()).isFalse());
        });
    }

    @Test
    void aRolloutCutOffAtTheTokenLimitFailsTheEndTokenJudgeAndPairsCarryTheFlag() {
        start(DpoConfig.defaults());
        h.prompts.pipeInput("math", prompt("math", "arithmetic", "4", T0), T0);
        // r1 would win on every other judge (right answer, shortest) but never reached its end token.
        ResponseGenerated cut = rollout("r1", "math", "4", 7, T0 + 1);
        cut.setTruncated(true);
        send(cut, T0 + 1);
        send(rollout("r2", "math", "It is 4", 7, T0 + 2), T0 + 2);
        send(rollout("r3", "math", "The answer: 4", 7, T0 + 3), T0 + 3);
        send(rollout("r4", "math", "The answer is 4", 7, T0 + 4), T0 + 4);

        List<JudgeVerdict> verdicts = h.verdicts.readValuesToList();
        assertThat(verdicts.get(0).getPassedAll()).isFalse();
        assertThat(verdicts.get(0).getScores()).anySatisfy(s -> {
            assertThat(s.getJudgeId()).isEqualTo(EndTokenJudge.ID);
            assertThat(s.getPassed()).isFalse();
        });
        assertThat(pairs(PairSource.JUDGE)).singleElement().satisfies(p -> {
            assertThat(p.getChosenResponseId()).isEqualTo("r2");
            assertThat(p.getRejectedResponseId()).isEqualTo("r1");
            assertThat(p.getChosenTruncated()).isFalse();
            assertThat(p.getRejectedTruncated()).isTrue();
        });
    }

    @Test
    void derivedPairsCarryWhetherEachSideWasCutOff() {
        start(DpoConfig.defaults());
        send(response("good", "p1", "good answer", 4, T0), T0);
        ResponseGenerated bad = response("bad", "p1", "bad answer that rambles on", 4, T0);
        bad.setTruncated(true);
        send(bad, T0);
        send(up("f1", "good", "u1", T0 + 1), T0 + 1);
        send(down("f2", "bad", "u2", T0 + 2), T0 + 2);

        assertThat(pairs(PairSource.DERIVED)).singleElement().satisfies(p -> {
            assertThat(p.getChosenTruncated()).isFalse();
            assertThat(p.getRejectedTruncated()).isTrue();
        });
    }

    @Test
    void closesARolloutGroupWhenItsWindowPassesInStreamTime() {
        start(DpoConfig.defaults());
        send(rollout("r1", "p", "short", 1, T0), T0);
        // fails the banned-phrases judge, so the two do not tie
        send(rollout("r2", "p", "As an AI language model I cannot say", 1, T0 + 1), T0 + 1);
        send(rollout("other", "q", "tick", 1, T0 + 59_000), T0 + 59_000);
        assertThat(h.pairs.isEmpty()).isTrue();

        send(rollout("other2", "q", "tick", 1, T0 + 61_000), T0 + 61_000);

        assertThat(pairs(PairSource.JUDGE)).singleElement().satisfies(p -> {
            assertThat(p.getChosenResponseId()).isEqualTo("r1");
            assertThat(p.getRejectedResponseId()).isEqualTo("r2");
        });
    }

    @Test
    void emitsNoPairButCountsTheGroupWhenNoRolloutPasses() {
        start(DpoConfig.defaults());
        h.prompts.pipeInput("math", prompt("math", "arithmetic", "4", T0), T0);
        for (int i = 0; i < 4; i++) {
            send(rollout("r" + i, "math", "wrong " + i, 9, T0 + i), T0 + i);
        }

        assertThat(h.pairs.isEmpty()).isTrue();
        assertThat(h.verdicts.readValuesToList()).hasSize(4).noneMatch(JudgeVerdict::getPassedAll);
        VersionMinuteStats stats = monitorTotal("9");
        assertThat(stats.getGroupsNoPass()).isEqualTo(1);
        assertThat(stats.getJudgeFail()).isEqualTo(4);
        assertThat(stats.getResponses()).isEqualTo(4);
    }

    @Test
    void aJudgedGroupOfOneCompletionFourTimesMakesNoPairAndIsCountedIdentical() {
        start(DpoConfig.defaults());
        for (int i = 0; i < 4; i++) {
            send(rollout("r" + i, "p", "Happy to help.", 6, T0 + i), T0 + i);
        }

        assertThat(h.verdicts.readValuesToList()).hasSize(4).allMatch(JudgeVerdict::getPassedAll);
        assertThat(h.pairs.isEmpty()).isTrue();
        VersionMinuteStats stats = monitorTotal("6");
        assertThat(stats.getPairsIdentical()).isEqualTo(1);
        assertThat(stats.getGroupsTied()).isZero();
        assertThat(stats.getPairsJudge()).isZero();
    }

    @Test
    void aJudgedGroupInWhichEveryRolloutPassesMakesItsPairOnLengthByDefault() {
        start(DpoConfig.defaults());
        List<String> texts = List.of("Sure.", "Happy to help.", "Of course, here it is.", "Gladly.");
        for (int i = 0; i < 4; i++) {
            send(rollout("r" + i, "p", texts.get(i), 6, T0 + i), T0 + i);
        }

        // chosen the shortest ("Sure.", r0), rejected the longest ("Of course, here it is.", r2)
        List<DpoPair> pairs = h.pairs.readValuesToList();
        assertThat(pairs).hasSize(1);
        assertThat(pairs.get(0).getChosen()).isEqualTo("Sure.");
        assertThat(pairs.get(0).getRejected()).isEqualTo("Of course, here it is.");
        assertThat(monitorTotal("6").getGroupsTied()).isZero();
    }

    @Test
    void aJudgedGroupInWhichEveryRolloutPassesTiesAndMakesNoPairWhenTiesAreNotPaired() {
        start(DpoConfig.fromProperties(Map.of(StreamsKeys.DPO_PAIR_TIES.name(), "false")));
        List<String> texts = List.of("Sure.", "Happy to help.", "Of course, here it is.", "Gladly.");
        for (int i = 0; i < 4; i++) {
            send(rollout("r" + i, "p", texts.get(i), 6, T0 + i), T0 + i);
        }

        // every judge scores a pass 1.0, so four passing rollouts tie: the pair would only say "shorter"
        assertThat(h.verdicts.readValuesToList()).hasSize(4).allMatch(JudgeVerdict::getPassedAll);
        assertThat(h.pairs.isEmpty()).isTrue();
        VersionMinuteStats stats = monitorTotal("6");
        assertThat(stats.getGroupsTied()).isEqualTo(1);
        assertThat(stats.getPairsIdentical()).isZero();
    }

    @Test
    void aPreferenceBetweenTwoCopiesOfOneCompletionMakesNoPairAndIsCountedOnce() {
        start(DpoConfig.defaults());
        send(response("a", "p1", "same answer", 2, T0), T0);
        send(response("b", "p1", "same answer", 2, T0), T0);
        send(preference("pref1", "p1", "b", "a", T0 + 10), T0 + 10);
        send(preference("pref1", "p1", "b", "a", T0 + 10), T0 + 11);
        // a preference between different completions of the same prompt still pairs
        send(response("c", "p1", "other answer", 2, T0 + 12), T0 + 12);
        send(preference("pref2", "p1", "c", "a", T0 + 13), T0 + 13);

        assertThat(pairs(PairSource.HUMAN))
                .singleElement()
                .satisfies(p -> assertThat(p.getPairId()).isEqualTo(Ids.dpoPair("HUMAN", "pref2")));
        assertThat(h.deadLetters.isEmpty()).isTrue();
        assertThat(monitorTotal("2").getPairsIdentical()).isEqualTo(1);
    }

    @Test
    void oppositeThumbsOnTwoCopiesOfOneCompletionMakeNoDerivedPairAndAreCountedOnce() {
        start(DpoConfig.defaults());
        send(response("x", "p1", "same answer", 4, T0), T0);
        send(response("y", "p1", "same answer", 4, T0), T0);
        send(up("f1", "x", "u1", T0 + 1), T0 + 1);
        send(down("f2", "y", "u2", T0 + 2), T0 + 2);
        send(down("f3", "y", "u3", T0 + 3), T0 + 3);
        send(up("f4", "x", "u4", T0 + 4), T0 + 4);

        assertThat(pairs(PairSource.DERIVED)).isEmpty();
        assertThat(monitorTotal("4").getPairsIdentical()).isEqualTo(1);
    }

    private VersionMinuteStats monitorTotal(String version) {
        WindowStore<String, VersionMinuteStats> store = h.driver.getWindowStore(MonitorTopology.STORE);
        VersionMinuteStats total = VersionMinuteStats.newBuilder().build();
        try (KeyValueIterator<Windowed<String>, VersionMinuteStats> it = store.fetchAll(0, Long.MAX_VALUE)) {
            while (it.hasNext()) {
                KeyValue<Windowed<String>, VersionMinuteStats> kv = it.next();
                if (kv.key.key().equals(version)) {
                    total.setGroupsNoPass(total.getGroupsNoPass() + kv.value.getGroupsNoPass());
                    total.setJudgeFail(total.getJudgeFail() + kv.value.getJudgeFail());
                    total.setResponses(total.getResponses() + kv.value.getResponses());
                    total.setGroupsTied(total.getGroupsTied() + kv.value.getGroupsTied());
                    total.setPairsIdentical(total.getPairsIdentical() + kv.value.getPairsIdentical());
                    total.setPairsJudge(total.getPairsJudge() + kv.value.getPairsJudge());
                }
            }
        }
        return total;
    }
}

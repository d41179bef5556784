package io.streamrlhf.streams.canary;

import static io.streamrlhf.streams.support.Events.down;
import static io.streamrlhf.streams.support.Events.response;
import static io.streamrlhf.streams.support.Events.up;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.avro.CanaryEvidence;
import io.streamrlhf.avro.DecisionOutcome;
import io.streamrlhf.avro.GateEvaluation;
import io.streamrlhf.avro.GateJudgeResult;
import io.streamrlhf.avro.JudgeScore;
import io.streamrlhf.avro.JudgeVerdict;
import io.streamrlhf.avro.MetricEvidence;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.streams.config.CanaryConfig;
import io.streamrlhf.streams.support.Harness;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CanaryTopologyTest {

    private static final long T0 = 1_700_000_000_000L;
    private static final String MODEL = "policy";

    private Harness h;
    private TestInputTopic<String, PolicyVersion> versions;
    private TestInputTopic<String, JudgeVerdict> verdicts;
    private TestOutputTopic<String, CanaryDecision> decisions;
    private TestOutputTopic<String, CanaryEvidence> evidence;
    private int ids;

    /**
     * Thumbs only, alpha 0.05 on that one metric (0.025 per arm), tuned at 100 per arm, margin 0.10, minimum 20
     * per arm. With every canary vote down and every parent vote up the difference is -1, and its upper end is
     * -1 + 2 r(n) with r(20) = sqrt((5 + rho)(ln(1 + 5/rho) + 2 ln 40)) / 20 = 0.401 (rho = 25 / (2 ln 40 + ln(1 +
     * 2 ln 40)) = 2.631), below -0.10: the rollback comes exactly when both arms reach the minimum of 20.
     */
    private void start(List<String> judges) {
        CanaryConfig config =
                CanaryConfig.defaults().withTest(0.05, 0.10, 0.10, judges).withLimits(20, 100, Duration.ofHours(6));
        h = new Harness(serdes -> new CanaryTopology(config, serdes).build());
        versions = input(h.topics.policyVersions());
        verdicts = input(h.topics.judgeVerdicts());
        Topic<String, CanaryDecision> out = h.topics.policyDecisions();
        decisions = h.driver.createOutputTopic(
                out.name(), out.keySerde().deserializer(), out.valueSerde().deserializer());
        Topic<String, CanaryEvidence> live = h.topics.canaryEvidence();
        evidence = h.driver.createOutputTopic(
                live.name(), live.keySerde().deserializer(), live.valueSerde().deserializer());
    }

    private <K, V> TestInputTopic<K, V> input(Topic<K, V> topic) {
        return h.driver.createInputTopic(
                topic.name(), topic.keySerde().serializer(), topic.valueSerde().serializer());
    }

    @AfterEach
    void close() {
        if (h != null) {
            h.close();
        }
    }

    private void publish(long version, long t) {
        publish(version, version == 0 ? null : version - 1, null, t);
    }

    /** A version trained from {@code parent}; {@code rebasedFrom} when the trainer dropped that version's weights. */
    private void publish(long version, Long parent, Long rebasedFrom, long t) {
        versions.pipeInput(
                MODEL,
                PolicyVersion.newBuilder()
                        .setModelId(MODEL)
                        .setVersion(version)
                        .setParentVersion(parent)
                        .setRebasedFrom(rebasedFrom)
                        .setRebaseReason(rebasedFrom == null ? "" : "version " + rebasedFrom + " ROLLED_BACK")
                        .setCheckpointUri("file:///v" + version)
                        .setSha256("00")
                        .setCreatedTime(Instant.ofEpochMilli(t))
                        .build(),
                t);
    }

    /** Both arms reach the minimum of 20 votes, every canary vote down and every parent vote up: a rollback. */
    private void rollBack(long canary, long parent, long t) {
        for (int i = 0; i < 20; i++) {
            vote(canary, false, t + 2L * i);
            vote(parent, true, t + 2L * i + 1);
        }
    }

    /** A response by {@code version} and one vote on it. */
    private String vote(long version, boolean thumbsUp, long t) {
        String id = "r" + (ids++);
        ResponseGenerated r = response(id, "p-" + id, "completion", version, t);
        h.responses.pipeInput(id, r, t);
        h.feedback.pipeInput(id, thumbsUp ? up("f" + id, id, "u" + id, t) : down("f" + id, id, "u" + id, t), t);
        return id;
    }

    private void publishGated(long version, long t, long parent, int prompts, GateJudgeResult... judges) {
        versions.pipeInput(
                MODEL,
                PolicyVersion.newBuilder()
                        .setModelId(MODEL)
                        .setVersion(version)
                        .setParentVersion(parent)
                        .setCheckpointUri("file:///v" + version)
                        .setSha256("00")
                        .setCreatedTime(Instant.ofEpochMilli(t))
                        .setGate(GateEvaluation.newBuilder()
                                .setParentVersion(parent)
                                .setPrompts(prompts)
                                .setMaxTokens(16)
                                .setJudges(List.of(judges))
                                .build())
                        .build(),
                t);
    }

    private static GateJudgeResult judged(String judge, int passed, int parentPassed) {
        return GateJudgeResult.newBuilder()
                .setJudge(judge)
                .setPassed(passed)
                .setParentPassed(parentPassed)
                .build();
    }

    @Test
    void gateStopsAVersionWhoseHeldOutPassRateFellByMoreThanTheMarginAndLetsTheNextOneStart() {
        // margin 0.05 (the default) over 20 prompts: one pass fewer (0.05) is allowed, two fewer (0.10) are not
        start(List.of());
        publish(0, T0);
        publishGated(1, T0 + 1, 0, 20, judged("format", 10, 12), judged("length-bounds", 20, 20));
        publishGated(2, T0 + 2, 0, 20, judged("format", 12, 12), judged("length-bounds", 19, 20));

        List<CanaryDecision> out = decisions.readValuesToList();
        assertThat(out)
                .extracting(CanaryDecision::getVersion, CanaryDecision::getOutcome, CanaryDecision::getParentVersion)
                .containsExactly(
                        tuple(0L, DecisionOutcome.PROMOTED, null),
                        tuple(1L, DecisionOutcome.GATE_FAILED, 0L),
                        tuple(2L, DecisionOutcome.STARTED, 0L));
        CanaryDecision failed = out.get(1);
        assertThat(failed.getMetrics())
                .extracting(
                        m -> m.getMetric(),
                        m -> m.getCanaryHits(),
                        m -> m.getParentHits(),
                        m -> m.getCanaryTrials(),
                        m -> m.getVerdict())
                .containsExactly(
                        tuple("gate:format", 10L, 12L, 20L, "HARM"),
                        tuple("gate:length-bounds", 20L, 20L, 20L, "SAFE"));
        assertThat(failed.getReason()).contains("format passed 10/20 against 12/20");
    }

    @Test
    void promotesTheFirstVersionThenCanariesTheNextAndSupersedesVersionsThatWaited() {
        start(List.of());
        publish(0, T0);
        publish(1, T0 + 1);
        publish(2, T0 + 2);
        publish(3, T0 + 3);

        assertThat(decisions.readValuesToList())
                .extracting(CanaryDecision::getVersion, CanaryDecision::getOutcome, CanaryDecision::getParentVersion)
                .containsExactly(
                        tuple(0L, DecisionOutcome.PROMOTED, null),
                        tuple(1L, DecisionOutcome.STARTED, 0L),
                        tuple(2L, DecisionOutcome.SUPERSEDED, 0L));
    }

    @Test
    void rollsBackACanaryUsersDislikeWhenBothArmsReachTheMinimumThenStartsTheNewestWaitingVersion() {
        start(List.of());
        publish(0, T0);
        publish(1, T0 + 1);
        // Trained from the promoted version, not from the canary: it may start once the canary is decided.
        publish(2, 0L, null, T0 + 2);
        decisions.readValuesToList();

        for (int i = 0; i < 19; i++) {
            vote(1, false, T0 + 10 + 2L * i);
            vote(0, true, T0 + 11 + 2L * i);
        }
        vote(1, false, T0 + 100);
        assertThat(decisions.isEmpty())
                .as("19 votes on the parent arm: below the minimum")
                .isTrue();
        vote(0, true, T0 + 101);

        List<CanaryDecision> out = decisions.readValuesToList();
        assertThat(out)
                .extracting(CanaryDecision::getVersion, CanaryDecision::getOutcome, CanaryDecision::getParentVersion)
                .containsExactly(tuple(1L, DecisionOutcome.ROLLED_BACK, 0L), tuple(2L, DecisionOutcome.STARTED, 0L));
        CanaryDecision rollback = out.get(0);
        assertThat(rollback.getCanarySamples()).isEqualTo(20);
        assertThat(rollback.getParentSamples()).isEqualTo(20);
        assertThat(rollback.getMetrics()).singleElement().satisfies(m -> {
            assertThat(m.getMetric()).isEqualTo("thumbs-up");
            assertThat(m.getVerdict()).isEqualTo("HARM");
            // Beta-binomial mixture, alpha 0.025 per arm, c = 100 / (2 ln 40 + ln(1 + 2 ln 40)) - 1 = 9.5226: with 0 of
            // 20 the wealth B(cm, c(1-m) + 20) / B(cm, c(1-m)) / (1-m)^20 reaches 40 at m = 0.316921 (bisection with
            // Python's math.lgamma), and symmetrically 20 of 20 gives a lower end of 1 - 0.316921.
            assertThat(m.getDifferenceHigh())
                    .isCloseTo(-1 + 2 * 0.316921, org.assertj.core.api.Assertions.within(1e-5));
            assertThat(m.getHarmBoundary()).isEqualTo(-0.10);
        });
        assertThat(rollback.getDecisionId()).isEqualTo("policy/1/ROLLED_BACK");

        // Votes on the rolled-back version no longer count for anything.
        for (int i = 0; i < 30; i++) {
            vote(1, false, T0 + 200 + i);
        }
        assertThat(decisions.isEmpty()).isTrue();
    }

    @Test
    void supersedesVersionsFromARolledBackLineAndStartsTheVersionRebasedOntoThePromotedOne() {
        start(List.of());
        publish(0, T0);
        publish(1, T0 + 1);
        // The trainer goes on from version 1 while it is the canary: version 2 waits.
        publish(2, 1L, null, T0 + 2);
        rollBack(1, 0, T0 + 10);
        // Published after the rollback, before the trainer followed it: a grandchild of version 1.
        publish(3, 2L, null, T0 + 200);
        publish(4, 0L, 1L, T0 + 201);

        List<CanaryDecision> out = decisions.readValuesToList();
        assertThat(out)
                .extracting(CanaryDecision::getVersion, CanaryDecision::getOutcome, CanaryDecision::getParentVersion)
                .containsExactly(
                        tuple(0L, DecisionOutcome.PROMOTED, null),
                        tuple(1L, DecisionOutcome.STARTED, 0L),
                        tuple(1L, DecisionOutcome.ROLLED_BACK, 0L),
                        tuple(2L, DecisionOutcome.SUPERSEDED, 0L),
                        tuple(3L, DecisionOutcome.SUPERSEDED, 0L),
                        tuple(4L, DecisionOutcome.STARTED, 0L));
        assertThat(out.get(3).getReason()).contains("version 1 ROLLED_BACK");
        assertThat(out.get(4).getReason()).contains("version 1 ROLLED_BACK");
    }

    @Test
    void supersedesAChildOfAGateFailedVersionAndStartsTheRebasedOne() {
        start(List.of());
        publish(0, T0);
        publishGated(1, T0 + 1, 0, 20, judged("format", 5, 20));
        publish(2, 1L, null, T0 + 2);
        publish(3, 0L, 1L, T0 + 3);

        List<CanaryDecision> out = decisions.readValuesToList();
        assertThat(out)
                .extracting(CanaryDecision::getVersion, CanaryDecision::getOutcome, CanaryDecision::getParentVersion)
                .containsExactly(
                        tuple(0L, DecisionOutcome.PROMOTED, null),
                        tuple(1L, DecisionOutcome.GATE_FAILED, 0L),
                        tuple(2L, DecisionOutcome.SUPERSEDED, 0L),
                        tuple(3L, DecisionOutcome.STARTED, 0L));
        assertThat(out.get(2).getReason()).contains("version 1 GATE_FAILED");
    }

    @Test
    void rollsBackOnJudgeFailuresAttributedThroughTheResponseEvenWhileThumbsAreEqual() {
        start(List.of("format"));
        publish(0, T0);
        publish(1, T0 + 1);
        decisions.readValuesToList();

        for (int i = 0; i < 40; i++) {
            long t = T0 + 10 + 2L * i;
            String onCanary = vote(1, true, t);
            String onParent = vote(0, true, t + 1);
            verdicts.pipeInput(onCanary, verdict(onCanary, 1, false, t), t);
            verdicts.pipeInput(onParent, verdict(onParent, 0, true, t + 1), t + 1);
        }

        assertThat(decisions.readValuesToList())
                .extracting(CanaryDecision::getVersion, CanaryDecision::getOutcome)
                .containsExactly(tuple(1L, DecisionOutcome.ROLLED_BACK));
    }

    @Test
    void promotesACanaryAsGoodAsItsParentAndLaterVersionsCompareWithIt() {
        start(List.of());
        publish(0, T0);
        publish(1, T0 + 1);
        decisions.readValuesToList();

        long t = T0 + 10;
        while (decisions.isEmpty() && t < T0 + 100_000) {
            vote(1, true, t++);
            vote(0, true, t++);
        }
        assertThat(decisions.readValuesToList())
                .extracting(CanaryDecision::getVersion, CanaryDecision::getOutcome)
                .containsExactly(tuple(1L, DecisionOutcome.PROMOTED));

        publish(2, t + 1);
        assertThat(decisions.readValuesToList())
                .extracting(CanaryDecision::getVersion, CanaryDecision::getOutcome, CanaryDecision::getParentVersion)
                .containsExactly(tuple(2L, DecisionOutcome.STARTED, 1L));
    }

    @Test
    void appliesTheDefaultWhenStreamTimePassesTheMaximumDuration() {
        start(List.of());
        publish(0, T0);
        publish(1, T0 + 1);
        decisions.readValuesToList();

        vote(1, true, T0 + Duration.ofHours(7).toMillis());

        assertThat(decisions.readValuesToList())
                .extracting(CanaryDecision::getVersion, CanaryDecision::getOutcome)
                .containsExactly(tuple(1L, DecisionOutcome.ROLLED_BACK));
    }

    /**
     * The default {@code canary.evidence.interval} of 5 s: a running canary's statistics appear on the evidence topic
     * once per interval of wall clock while its counts change, never in between, and no more after its decision;
     * each carries the interval of the difference as docs/canary.md defines it, and the decision on the same counts
     * reports the same numbers.
     */
    @Test
    void publishesARunningCanarysStatisticsAtMostOncePerIntervalWhileTheyChangeAndNotAfterItsDecision() {
        start(List.of());
        publish(0, T0);
        publish(1, T0 + 1);
        decisions.readValuesToList();
        Duration interval = Duration.ofSeconds(5);

        h.driver.advanceWallClockTime(interval);
        assertThat(evidence.isEmpty())
                .as("no observation yet: nothing to publish")
                .isTrue();

        // 10 votes per arm: canary 5 up, parent 8 up
        for (int i = 0; i < 10; i++) {
            vote(1, i % 2 == 0, T0 + 10 + 2L * i);
            vote(0, i % 5 != 0, T0 + 11 + 2L * i);
        }
        assertThat(evidence.isEmpty())
                .as("published on the wall clock, not per observation")
                .isTrue();
        h.driver.advanceWallClockTime(interval);
        CanaryEvidence first = evidence.readRecord().value();
        assertThat(evidence.isEmpty()).isTrue();
        assertThat(first.getModelId()).isEqualTo(MODEL);
        assertThat(first.getVersion()).isEqualTo(1L);
        assertThat(first.getParentVersion()).isEqualTo(0L);
        assertThat(first.getCanarySamples()).isEqualTo(10);
        assertThat(first.getParentSamples()).isEqualTo(10);
        assertThat(first.getStartedTime()).isEqualTo(Instant.ofEpochMilli(T0 + 1));
        assertThat(first.getObservedTime()).isEqualTo(Instant.ofEpochMilli(T0 + 29));
        assertThat(first.getMetrics()).singleElement().satisfies(m -> {
            assertThat(m.getMetric()).isEqualTo("thumbs-up");
            assertThat(List.of(m.getCanaryHits(), m.getCanaryTrials(), m.getParentHits(), m.getParentTrials()))
                    .containsExactly(5L, 10L, 8L, 10L);
            assertThat(m.getVerdict()).isEqualTo("OPEN");
        });

        h.driver.advanceWallClockTime(interval);
        assertThat(evidence.isEmpty()).as("counts unchanged: nothing new").isTrue();

        vote(1, true, T0 + 100);
        h.driver.advanceWallClockTime(interval.minusSeconds(1));
        assertThat(evidence.isEmpty()).as("changed, but within the interval").isTrue();
        h.driver.advanceWallClockTime(Duration.ofSeconds(1));
        assertThat(evidence.readValuesToList())
                .singleElement()
                .satisfies(e -> assertThat(e.getCanarySamples()).isEqualTo(11));

        // Many changes within one interval: one record, with the latest counts (canary 13/25, parent 17/23)
        for (int i = 0; i < 14; i++) {
            vote(1, i % 2 == 0, T0 + 200 + 2L * i);
            if (i < 14 - 1) {
                vote(0, i % 4 != 0, T0 + 201 + 2L * i);
            }
        }
        h.driver.advanceWallClockTime(interval);
        List<CanaryEvidence> latest = evidence.readValuesToList();
        assertThat(latest).hasSize(1);
        MetricEvidence thumbs = latest.get(0).getMetrics().get(0);
        assertThat(List.of(
                        thumbs.getCanaryHits(),
                        thumbs.getCanaryTrials(),
                        thumbs.getParentHits(),
                        thumbs.getParentTrials()))
                .containsExactly(13L, 25L, 17L, 23L);
        // Thumbs alone: alpha 0.05 on the metric, 0.025 per arm, tuned at 100 per arm.
        double[] canary = mixtureInterval(13, 25, 0.025, 100);
        double[] parent = mixtureInterval(17, 23, 0.025, 100);
        assertThat(thumbs.getDifferenceLow()).isCloseTo(canary[0] - parent[1], within(1e-6));
        assertThat(thumbs.getDifferenceHigh()).isCloseTo(canary[1] - parent[0], within(1e-6));
        assertThat(thumbs.getHarmBoundary()).isEqualTo(-0.10);
        assertThat(thumbs.getSafeBoundary()).isEqualTo(-0.10);
        assertThat(thumbs.getAlpha()).isEqualTo(0.05);
        assertThat(thumbs.getVerdict())
                .as("both arms past the minimum of 20, the interval still across -0.10")
                .isEqualTo("OPEN");

        // The decision on the same counts: stream time passes the maximum duration on an observation that does
        // not count (a version neither the canary nor its parent), so the default decides.
        vote(7, true, T0 + Duration.ofHours(7).toMillis());
        CanaryDecision decision = decisions.readValuesToList().get(0);
        assertThat(decision.getOutcome()).isEqualTo(DecisionOutcome.ROLLED_BACK);
        assertThat(decision.getReason()).contains("maximum duration");
        assertThat(decision.getMetrics()).isEqualTo(latest.get(0).getMetrics());
        assertThat(decision.getCanarySamples()).isEqualTo(latest.get(0).getCanarySamples());
        assertThat(decision.getParentSamples()).isEqualTo(latest.get(0).getParentSamples());

        vote(1, true, T0 + Duration.ofHours(7).toMillis() + 1);
        vote(0, true, T0 + Duration.ofHours(7).toMillis() + 2);
        h.driver.advanceWallClockTime(interval);
        h.driver.advanceWallClockTime(interval);
        assertThat(evidence.isEmpty())
                .as("no running canary after the decision")
                .isTrue();
    }

    @Test
    void publishesNoStatisticsWhenTheEvidenceIntervalIsZero() {
        CanaryConfig config = CanaryConfig.defaults()
                .withTest(0.05, 0.10, 0.10, List.of())
                .withLimits(20, 100, Duration.ofHours(6))
                .withEvidenceInterval(Duration.ZERO);
        h = new Harness(serdes -> new CanaryTopology(config, serdes).build());
        versions = input(h.topics.policyVersions());
        Topic<String, CanaryEvidence> live = h.topics.canaryEvidence();
        evidence = h.driver.createOutputTopic(
                live.name(), live.keySerde().deserializer(), live.valueSerde().deserializer());
        publish(0, T0);
        publish(1, T0 + 1);
        vote(1, true, T0 + 10);
        vote(0, true, T0 + 11);
        h.driver.advanceWallClockTime(Duration.ofMinutes(1));
        assertThat(evidence.isEmpty()).isTrue();
    }

    /**
     * One arm's confidence interval as docs/canary.md defines it, computed here without the code under test: the
     * rates {@code m} whose wealth {@code M(m) = B(c m + hits, c (1-m) + misses) / B(c m, c (1-m)) / (m^hits
     * (1-m)^misses)} stays under {@code 1/alpha}, with {@code c = n / (2 ln(1/alpha) + ln(1 + 2 ln(1/alpha))) - 1}.
     * The ratio of Beta functions is written as products ({@code Γ(x + 1) = x Γ(x)}), so no log-gamma is needed;
     * each end by bisection between the empirical rate (wealth below 1) and the edge.
     */
    private static double[] mixtureInterval(long hits, long trials, double alpha, long tuning) {
        double l = Math.log(1 / alpha);
        double c = tuning / (2 * l + Math.log(1 + 2 * l)) - 1;
        double rate = (double) hits / trials;
        double low = hits == 0 ? 0 : crossing(hits, trials, c, l, 1e-12, rate);
        double high = hits == trials ? 1 : crossing(hits, trials, c, l, 1 - 1e-12, rate);
        return new double[] {low, high};
    }

    /** Bisection for the rate between {@code outside} (wealth at or above e^threshold) and {@code inside}. */
    private static double crossing(long hits, long trials, double c, double threshold, double outside, double inside) {
        for (int i = 0; i < 200; i++) {
            double mid = (outside + inside) / 2;
            if (logWealth(hits, trials, mid, c) >= threshold) {
                outside = mid;
            } else {
                inside = mid;
            }
        }
        return (outside + inside) / 2;
    }

    private static double logWealth(long hits, long trials, double m, double c) {
        double a = c * m;
        double b = c * (1 - m);
        double log = 0;
        for (long i = 0; i < hits; i++) {
            log += Math.log(a + i);
        }
        for (long j = 0; j < trials - hits; j++) {
            log += Math.log(b + j);
        }
        for (long k = 0; k < trials; k++) {
            log -= Math.log(c + k);
        }
        return log - hits * Math.log(m) - (trials - hits) * Math.log(1 - m);
    }

    private static JudgeVerdict verdict(String responseId, long version, boolean passed, long t) {
        return JudgeVerdict.newBuilder()
                .setResponseId(responseId)
                .setPromptId("p-" + responseId)
                .setPolicyVersion(version)
                .setPassedAll(passed)
                .setScore(passed ? 1.0 : 0.0)
                .setScores(List.of(new JudgeScore("format", passed, passed ? 1.0 : 0.0, null)))
                .setEventTime(Instant.ofEpochMilli(t))
                .build();
    }
}

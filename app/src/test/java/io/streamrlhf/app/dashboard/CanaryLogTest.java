package io.streamrlhf.app.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrlhf.app.dashboard.DashboardSnapshot.CanaryLane;
import io.streamrlhf.app.dashboard.DashboardSnapshot.CanaryView;
import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.avro.DecisionOutcome;
import io.streamrlhf.avro.MetricEvidence;
import io.streamrlhf.schemas.topic.TopicNames;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class CanaryLogTest {

    private static final Instant T = Instant.parse("2026-12-07T12:00:00Z");

    private static final MetricEvidence HARM =
            Records.evidence("thumbs-up", 0, 104, 52, 101, -0.66, -0.34, -0.10, -0.10, "HARM");
    private static final MetricEvidence SAFE =
            Records.evidence("thumbs-up", 640, 1200, 630, 1210, -0.06, 0.08, -0.10, -0.10, "SAFE");
    private static final MetricEvidence JUDGE_SAFE =
            Records.evidence("judge:format", 120, 1300, 118, 1290, -0.04, 0.05, 0.0, 0.10, "SAFE");

    private static CanaryDecision d(String model, long v, Long parent, DecisionOutcome o, List<MetricEvidence> m) {
        return Records.decision(model, v, parent, o, o + " because", T.plusSeconds(v), m);
    }

    @Test
    void oneLanePerModelIdWithEachVersionsLatestStateAndRollbacksMarked() {
        CanaryLog log = new CanaryLog(10, 0.5);
        log.add(d("policy", 0, null, DecisionOutcome.PROMOTED, List.of()));
        log.add(d("policy", 1, 0L, DecisionOutcome.STARTED, List.of()));
        log.add(d("policy", 1, 0L, DecisionOutcome.ROLLED_BACK, List.of(HARM)));
        log.add(d("policy", 2, 0L, DecisionOutcome.STARTED, List.of()));
        log.add(d("policy", 2, 0L, DecisionOutcome.PROMOTED, List.of(SAFE, JUDGE_SAFE)));
        log.add(d("policy", 3, 2L, DecisionOutcome.STARTED, List.of()));
        log.add(d("policy@strict", 0, null, DecisionOutcome.PROMOTED, List.of()));
        // A decision read twice (the feed re-read the topic) and an older STARTED read after the outcome.
        log.add(d("policy", 1, 0L, DecisionOutcome.ROLLED_BACK, List.of(HARM)));
        log.add(d("policy", 1, 0L, DecisionOutcome.STARTED, List.of()));

        CanaryView view = log.view();

        assertThat(view.share()).isEqualTo(0.5);
        assertThat(view.lanes()).extracting(CanaryLane::modelId).containsExactly("policy", "policy@strict");
        CanaryLane base = view.lanes().get(0);
        assertThat(base.baseModelId()).isEqualTo("policy");
        assertThat(base.branch()).isNull();
        assertThat(base.promoted()).isEqualTo(2L);
        assertThat(base.canary()).isEqualTo(3L);
        assertThat(base.versions())
                .extracting(v -> v.version() + ":" + v.state() + ":" + v.rolledBack())
                .containsExactly("0:PROMOTED:false", "1:ROLLED_BACK:true", "2:PROMOTED:false", "3:STARTED:false");
        assertThat(base.versions().get(1).canarySamples()).isEqualTo(104);
        assertThat(base.versions().get(1).parentSamples()).isEqualTo(101);
        assertThat(base.versions().get(2).metrics())
                .extracting(m -> m.metric() + " " + m.differenceLow() + ".." + m.differenceHigh() + " vs "
                        + m.safeBoundary() + " " + m.verdict())
                .containsExactly("thumbs-up -0.06..0.08 vs -0.1 SAFE", "judge:format -0.04..0.05 vs 0.1 SAFE");
        CanaryLane branch = view.lanes().get(1);
        assertThat(branch.baseModelId()).isEqualTo("policy");
        assertThat(branch.branch()).isEqualTo("strict");
        assertThat(branch.promoted()).isZero();
        assertThat(branch.canary()).isNull();

        // Newest first, each decision once (the re-read one moved to the front), rollbacks flagged.
        assertThat(view.decisions())
                .extracting(x -> x.decisionId() + (x.rolledBack() ? "!" : ""))
                .containsExactly(
                        "policy/1/STARTED",
                        "policy/1/ROLLED_BACK!",
                        "policy@strict/0/PROMOTED",
                        "policy/3/STARTED",
                        "policy/2/PROMOTED",
                        "policy/2/STARTED",
                        "policy/0/PROMOTED");
    }

    private static final MetricEvidence LIVE_THUMBS =
            Records.evidence("thumbs-up", 60, 118, 64, 121, -0.19, 0.12, -0.10, -0.10, "OPEN");
    private static final MetricEvidence LIVE_JUDGE =
            Records.evidence("judge:format", 3, 140, 4, 139, -0.05, 0.04, 0.0, 0.10, "SAFE");

    @Test
    void showsTheLatestLiveStatisticsOnTheRunningCanaryOnlyAndKeepsDecidedVersionsEvidence() {
        CanaryLog log = new CanaryLog(10, 0.5);
        // Evidence read before its STARTED (the two topics are read independently): kept, shown once it starts.
        log.add(Records.live("policy", 2, 0, T.plusSeconds(5), T.plusSeconds(6), List.of(LIVE_THUMBS)));
        log.add(d("policy", 0, null, DecisionOutcome.PROMOTED, List.of()));
        log.add(d("policy", 1, 0L, DecisionOutcome.STARTED, List.of()));
        log.add(d("policy", 1, 0L, DecisionOutcome.ROLLED_BACK, List.of(HARM)));
        assertThat(log.view().lanes().get(0).versions())
                .allSatisfy(v -> assertThat(v.live()).isNull());

        log.add(d("policy", 2, 0L, DecisionOutcome.STARTED, List.of()));
        CanaryLane lane = log.view().lanes().get(0);
        assertThat(lane.versions().get(2).live()).isNotNull();
        assertThat(lane.versions().get(2).live().canarySamples()).isEqualTo(118);

        // A newer publication replaces it; an older one read afterwards, or one about a decided version, does not.
        log.add(Records.live("policy", 2, 0, T.plusSeconds(10), T.plusSeconds(11), List.of(LIVE_THUMBS, LIVE_JUDGE)));
        log.add(Records.live("policy", 2, 0, T.plusSeconds(5), T.plusSeconds(6), List.of(LIVE_THUMBS)));
        log.add(Records.live("policy", 1, 0, T.plusSeconds(20), T.plusSeconds(21), List.of(HARM)));
        lane = log.view().lanes().get(0);
        assertThat(lane.canary()).isEqualTo(2L);
        var running = lane.versions().get(2);
        assertThat(running.state()).isEqualTo("STARTED");
        assertThat(running.live().observedTime()).isEqualTo(T.plusSeconds(10).toEpochMilli());
        assertThat(running.live().publishedTime()).isEqualTo(T.plusSeconds(11).toEpochMilli());
        assertThat(running.live().metrics())
                .extracting(m -> m.metric() + " " + m.canaryHits() + "/" + m.canaryTrials() + " " + m.differenceLow()
                        + ".." + m.differenceHigh() + " " + m.verdict())
                .containsExactly("thumbs-up 60/118 -0.19..0.12 OPEN", "judge:format 3/140 -0.05..0.04 SAFE");
        assertThat(lane.versions().get(1).live()).isNull();
        assertThat(lane.versions().get(1).metrics()).containsExactly(CanaryLog.metric(HARM));

        // Once decided, the version shows its decision's evidence and no live statistics.
        log.add(d("policy", 2, 0L, DecisionOutcome.PROMOTED, List.of(SAFE)));
        var decided = log.view().lanes().get(0).versions().get(2);
        assertThat(decided.live()).isNull();
        assertThat(decided.metrics()).containsExactly(CanaryLog.metric(SAFE));
    }

    @Test
    void keepsOnlyTheMostRecentDecisions() {
        CanaryLog log = new CanaryLog(3, 0.1);
        for (long v = 0; v < 6; v++) {
            log.add(d("policy", v, v == 0 ? null : v - 1, DecisionOutcome.SUPERSEDED, List.of()));
        }
        assertThat(log.view().decisions()).extracting(x -> x.version()).containsExactly(5L, 4L, 3L);
        assertThat(log.view().lanes().get(0).versions()).hasSize(6);
    }

    /** The page reads these names from {@code GET /api/state}: pin them as the page's script uses them. */
    @Test
    void theSnapshotCarriesTheCanaryPanelUnderTheNamesThePageReads() throws Exception {
        DashboardState state =
                new DashboardState(Clock.fixed(T, ZoneOffset.UTC), TopicNames.defaults(), "127.0.0.1:9092", null, 0.25);
        state.onCanaryDecision(d("policy", 1, 0L, DecisionOutcome.ROLLED_BACK, List.of(HARM)));
        JsonNode json = new ObjectMapper().valueToTree(state.snapshot());
        JsonNode canary = json.get("canary");
        assertThat(canary.get("share").asDouble()).isEqualTo(0.25);
        JsonNode lane = canary.get("lanes").get(0);
        assertThat(lane.get("modelId").asText()).isEqualTo("policy");
        assertThat(lane.has("baseModelId") && lane.has("branch") && lane.has("promoted") && lane.has("canary"))
                .isTrue();
        JsonNode version = lane.get("versions").get(0);
        assertThat(version.get("state").asText()).isEqualTo("ROLLED_BACK");
        assertThat(version.get("rolledBack").asBoolean()).isTrue();
        JsonNode metric = version.get("metrics").get(0);
        assertThat(metric.get("differenceHigh").asDouble()).isEqualTo(-0.34);
        assertThat(metric.get("harmBoundary").asDouble()).isEqualTo(-0.10);
        assertThat(metric.get("verdict").asText()).isEqualTo("HARM");
        assertThat(version.has("live"))
                .as("a decided version's live field is written, as null")
                .isTrue();
        assertThat(version.get("live").isNull()).isTrue();
        state.onCanaryDecision(d("policy", 2, 1L, DecisionOutcome.STARTED, List.of()));
        state.onCanaryEvidence(Records.live("policy", 2, 1, T, T.plusSeconds(1), List.of(LIVE_THUMBS)));
        JsonNode live = new ObjectMapper()
                .valueToTree(state.snapshot())
                .get("canary")
                .get("lanes")
                .get(0)
                .get("versions")
                .get(1)
                .get("live");
        assertThat(live.get("canarySamples").asLong()).isEqualTo(118);
        assertThat(live.get("parentSamples").asLong()).isEqualTo(121);
        assertThat(live.get("observedTime").asLong()).isEqualTo(T.toEpochMilli());
        assertThat(live.get("publishedTime").asLong())
                .isEqualTo(T.plusSeconds(1).toEpochMilli());
        assertThat(live.get("metrics").get(0).get("differenceLow").asDouble()).isEqualTo(-0.19);
        assertThat(live.get("metrics").get(0).get("verdict").asText()).isEqualTo("OPEN");
        JsonNode decision = canary.get("decisions").get(0);
        assertThat(decision.get("outcome").asText()).isEqualTo("ROLLED_BACK");
        assertThat(decision.get("reason").asText()).isEqualTo("ROLLED_BACK because");
        // Every field the page's drawCanary reads.
        for (String field : List.of("share", "lanes", "decisions")) {
            assertThat(canary.has(field)).as(field).isTrue();
        }
        String script = new String(
                CanaryLogTest.class.getResourceAsStream("/dashboard/app.js").readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);
        for (String field : List.of(
                "canarySamples",
                "parentSamples",
                "differenceLow",
                "differenceHigh",
                "safeBoundary",
                "rolledBack",
                "decidedTime",
                "baseModelId",
                "branch",
                "live",
                "observedTime",
                "publishedTime")) {
            assertThat(script).as("app.js reads %s", field).contains("." + field);
        }
    }
}

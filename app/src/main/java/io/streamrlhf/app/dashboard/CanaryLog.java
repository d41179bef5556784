package io.streamrlhf.app.dashboard;

import io.streamrlhf.app.dashboard.DashboardSnapshot.CanaryDecisionView;
import io.streamrlhf.app.dashboard.DashboardSnapshot.CanaryLane;
import io.streamrlhf.app.dashboard.DashboardSnapshot.CanaryLiveView;
import io.streamrlhf.app.dashboard.DashboardSnapshot.CanaryMetricView;
import io.streamrlhf.app.dashboard.DashboardSnapshot.CanaryVersionView;
import io.streamrlhf.app.dashboard.DashboardSnapshot.CanaryView;
import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.avro.CanaryEvidence;
import io.streamrlhf.avro.DecisionOutcome;
import io.streamrlhf.avro.MetricEvidence;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The canary decisions read from {@code rlhf.policy.decisions}, as the page shows them: one lane per model id (a
 * branch {@code <modelId>@<NAME>} is a model id of its own, so it gets its own lane next to its base), each version's
 * latest state with the statistics of its decision, and the most recent decisions with their evidence. Decisions
 * carry deterministic ids, so a decision read twice (a re-read after a reassignment) replaces itself.
 *
 * <p>The running canary's live statistics come from {@code rlhf.policy.canary.evidence}: the latest per model is kept
 * and shown on the version it is about only while that version's latest decision is {@code STARTED}. The two topics
 * are read independently, so evidence may arrive before its STARTED or after its final decision; a decided version
 * keeps its decision's evidence.
 */
final class CanaryLog {

    private final int recentCapacity;
    private final double share;
    /** model id, then version: the latest decision about each version. */
    private final Map<String, Map<Long, CanaryDecision>> byModel = new TreeMap<>();

    private final Deque<CanaryDecision> recent = new ArrayDeque<>();
    /** model id: the newest live statistics of its running canary. */
    private final Map<String, CanaryEvidence> live = new HashMap<>();

    /**
     * @param recentCapacity how many recent decisions to keep for the decision list
     * @param share the configured {@code canary.share} (the decisions do not carry it)
     */
    CanaryLog(int recentCapacity, double share) {
        this.recentCapacity = recentCapacity;
        this.share = share;
    }

    synchronized void add(CanaryDecision d) {
        String model = d.getModelId().toString();
        Map<Long, CanaryDecision> versions = byModel.computeIfAbsent(model, k -> new TreeMap<>());
        CanaryDecision earlier = versions.get(d.getVersion());
        // A version's STARTED comes before its final outcome; a re-read of an older decision must not undo it.
        if (earlier == null || rank(d.getOutcome()) >= rank(earlier.getOutcome())) {
            versions.put(d.getVersion(), d);
        }
        String id = d.getDecisionId().toString();
        recent.removeIf(r -> r.getDecisionId().toString().equals(id));
        recent.addLast(d);
        while (recent.size() > recentCapacity) {
            recent.removeFirst();
        }
    }

    /** Live statistics; an older one (a lower version, or published earlier) read after a newer one is ignored. */
    synchronized void add(CanaryEvidence e) {
        CanaryEvidence earlier = live.get(e.getModelId().toString());
        if (earlier == null
                || e.getVersion() > earlier.getVersion()
                || (e.getVersion() == earlier.getVersion()
                        && !e.getPublishedTime().isBefore(earlier.getPublishedTime()))) {
            live.put(e.getModelId().toString(), e);
        }
    }

    private static int rank(DecisionOutcome outcome) {
        return outcome == DecisionOutcome.STARTED ? 0 : 1;
    }

    synchronized CanaryView view() {
        List<CanaryLane> lanes = new ArrayList<>();
        byModel.forEach((model, versions) -> {
            List<CanaryVersionView> rows = new ArrayList<>();
            Long promoted = null;
            Long canary = null;
            CanaryEvidence running = live.get(model);
            for (CanaryDecision d : versions.values()) {
                boolean open = d.getOutcome() == DecisionOutcome.STARTED
                        && running != null
                        && running.getVersion() == d.getVersion();
                rows.add(version(d, open ? live(running) : null));
                if (d.getOutcome() == DecisionOutcome.PROMOTED) {
                    promoted = d.getVersion();
                }
            }
            for (CanaryDecision d : versions.values()) {
                if (d.getOutcome() == DecisionOutcome.STARTED) {
                    canary = d.getVersion();
                }
            }
            int at = model.indexOf('@');
            lanes.add(new CanaryLane(
                    model,
                    at < 0 ? model : model.substring(0, at),
                    at < 0 ? null : model.substring(at + 1),
                    promoted,
                    canary,
                    rows));
        });
        List<CanaryDecisionView> decisions = new ArrayList<>();
        recent.descendingIterator().forEachRemaining(d -> decisions.add(decision(d)));
        return new CanaryView(share, lanes, decisions);
    }

    static CanaryLiveView live(CanaryEvidence e) {
        return new CanaryLiveView(
                e.getCanarySamples(),
                e.getParentSamples(),
                e.getObservedTime().toEpochMilli(),
                e.getPublishedTime().toEpochMilli(),
                e.getMetrics().stream().map(CanaryLog::metric).toList());
    }

    static CanaryVersionView version(CanaryDecision d, CanaryLiveView live) {
        return new CanaryVersionView(
                d.getVersion(),
                d.getParentVersion(),
                d.getOutcome().name(),
                d.getOutcome() == DecisionOutcome.ROLLED_BACK,
                d.getCanarySamples(),
                d.getParentSamples(),
                d.getStartedTime().toEpochMilli(),
                d.getDecidedTime().toEpochMilli(),
                d.getReason().toString(),
                d.getMetrics().stream().map(CanaryLog::metric).toList(),
                live);
    }

    static CanaryDecisionView decision(CanaryDecision d) {
        return new CanaryDecisionView(
                d.getDecisionId().toString(),
                d.getModelId().toString(),
                d.getVersion(),
                d.getParentVersion(),
                d.getOutcome().name(),
                d.getOutcome() == DecisionOutcome.ROLLED_BACK,
                d.getReason().toString(),
                d.getCanarySamples(),
                d.getParentSamples(),
                d.getAlpha(),
                d.getDecidedTime().toEpochMilli(),
                d.getMetrics().stream().map(CanaryLog::metric).toList());
    }

    static CanaryMetricView metric(MetricEvidence m) {
        return new CanaryMetricView(
                m.getMetric().toString(),
                m.getCanaryHits(),
                m.getCanaryTrials(),
                m.getParentHits(),
                m.getParentTrials(),
                m.getDifferenceLow(),
                m.getDifferenceHigh(),
                m.getHarmBoundary(),
                m.getSafeBoundary(),
                m.getAlpha(),
                m.getVerdict().toString());
    }
}

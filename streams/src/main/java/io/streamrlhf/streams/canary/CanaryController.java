package io.streamrlhf.streams.canary;

import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.avro.CanaryEvidence;
import io.streamrlhf.avro.DecisionOutcome;
import io.streamrlhf.avro.GateEvaluation;
import io.streamrlhf.avro.GateJudgeResult;
import io.streamrlhf.avro.MetricEvidence;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.streams.avro.CanaryMetricCount;
import io.streamrlhf.streams.avro.CanaryObservation;
import io.streamrlhf.streams.avro.CanaryState;
import io.streamrlhf.streams.config.CanaryConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The canary life cycle of one model, as pure state transitions (the processor stores the state and sends the
 * decisions). One canary at a time: a model's first version is promoted at once (there is nothing to compare it
 * with); each later version becomes the canary when none runs, else waits; a newer version replaces the waiting one,
 * which is marked SUPERSEDED; when the canary is decided, the waiting version (if any) starts. Observations count
 * only for the canary and the promoted version, and only from the canary's start on (the same period). A version
 * descending (by {@code parentVersion}) from a rolled-back or gate-failed one since the promoted version is marked
 * SUPERSEDED instead of starting or waiting: the trainer rebases onto the promoted version, and that version is
 * the next canary.
 */
public final class CanaryController {

    private final CanaryConfig config;
    private final SequentialCanaryTest test;

    public CanaryController(CanaryConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.test = new SequentialCanaryTest(config);
    }

    /** A model's state before its first version. */
    public static CanaryState initial(String modelId) {
        return CanaryState.newBuilder().setModelId(modelId).build();
    }

    /**
     * A version record was published at event time {@code time}: first the gate, when the trainer measured one and
     * the model has a promoted version. A version whose pass rate of any judge on the held-out prompts is lower than
     * its parent's by more than {@code canary.gate.margin} gets GATE_FAILED (with both pass rates per judge as
     * evidence, metric {@code gate:<judge>}, hits are passes) and never becomes the canary or waits for it.
     */
    public List<CanaryDecision> onVersion(CanaryState state, PolicyVersion v, long time) {
        if (v.getVersion() <= state.getNewestSeen()) {
            return List.of();
        }
        if (state.getPromoted() != null && v.getParentVersion() != null) {
            Map<String, Long> parents = new HashMap<>(state.getParents());
            parents.put(Long.toString(v.getVersion()), v.getParentVersion());
            state.setParents(parents);
            Optional<String> line = rejectedAncestor(state, v.getVersion());
            if (line.isPresent()) {
                state.setNewestSeen(v.getVersion());
                return List.of(supersededLine(state, v.getVersion(), line.get(), time));
            }
        }
        GateEvaluation gate = v.getGate();
        if (gate == null || state.getPromoted() == null || gate.getPrompts() <= 0) {
            return onVersion(state, v.getVersion(), time);
        }
        List<MetricEvidence> evidence = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        double n = gate.getPrompts();
        for (GateJudgeResult j : gate.getJudges()) {
            double difference = j.getPassed() / n - j.getParentPassed() / n;
            // "By more than the margin": a drop of exactly the margin passes, whatever the rounding of the rates.
            boolean harm = difference < -config.gateMargin() - 1e-9;
            if (harm) {
                failures.add(j.getJudge() + " passed " + j.getPassed() + "/" + gate.getPrompts() + " against "
                        + j.getParentPassed() + "/" + gate.getPrompts());
            }
            evidence.add(MetricEvidence.newBuilder()
                    .setMetric("gate:" + j.getJudge())
                    .setCanaryHits(j.getPassed())
                    .setCanaryTrials(gate.getPrompts())
                    .setParentHits(j.getParentPassed())
                    .setParentTrials(gate.getPrompts())
                    .setDifferenceLow(difference)
                    .setDifferenceHigh(difference)
                    .setHarmBoundary(-config.gateMargin())
                    .setSafeBoundary(-config.gateMargin())
                    .setAlpha(0)
                    .setVerdict(harm ? MetricVerdict.HARM.name() : MetricVerdict.SAFE.name())
                    .build());
        }
        if (failures.isEmpty()) {
            return onVersion(state, v.getVersion(), time);
        }
        state.setNewestSeen(v.getVersion());
        reject(state, v.getVersion(), DecisionOutcome.GATE_FAILED);
        CanaryDecision failed = plain(
                state,
                v.getVersion(),
                gate.getParentVersion(),
                DecisionOutcome.GATE_FAILED,
                "held-out gate against version " + gate.getParentVersion() + " (margin " + config.gateMargin() + "): "
                        + String.join("; ", failures),
                time,
                time);
        failed.setMetrics(evidence);
        return List.of(failed);
    }

    /** A version was published at event time {@code time}. Older or repeated versions are ignored. */
    public List<CanaryDecision> onVersion(CanaryState state, long version, long time) {
        if (version <= state.getNewestSeen()) {
            return List.of();
        }
        state.setNewestSeen(version);
        List<CanaryDecision> out = new ArrayList<>();
        if (state.getPromoted() == null) {
            state.setPromoted(version);
            out.add(plain(state, version, null, DecisionOutcome.PROMOTED, "first version of the model", time, time));
        } else if (state.getCanary() == null) {
            start(state, version, time, out);
        } else {
            if (state.getWaiting() != null) {
                out.add(plain(
                        state,
                        state.getWaiting(),
                        state.getPromoted(),
                        DecisionOutcome.SUPERSEDED,
                        "version " + version + " was published while it waited",
                        time,
                        time));
            }
            state.setWaiting(version);
        }
        return out;
    }

    /** One observation; decides the canary when the test does. */
    public List<CanaryDecision> onObservation(CanaryState state, CanaryObservation o, long time) {
        Long canary = state.getCanary();
        if (canary == null || o.getEventTime() < state.getCanaryStarted()) {
            return List.of();
        }
        boolean onCanary = o.getPolicyVersion() == canary;
        if (!onCanary && !Objects.equals(o.getPolicyVersion(), state.getPromoted())) {
            return List.of();
        }
        if (!test.metrics().contains(o.getMetric())) {
            return List.of();
        }
        CanaryMetricCount c = count(state, o.getMetric());
        int hit = o.getHit() ? 1 : 0;
        if (onCanary) {
            c.setCanaryHits(c.getCanaryHits() + hit);
            c.setCanaryTrials(c.getCanaryTrials() + 1);
        } else {
            c.setParentHits(c.getParentHits() + hit);
            c.setParentTrials(c.getParentTrials() + 1);
        }
        state.setLastObserved(Math.max(state.getLastObserved(), o.getEventTime()));
        return evaluate(state, time);
    }

    /**
     * The running canary's current statistics, when it has counted observations since they were last published
     * (and then marks them published in {@code state}); empty without a running canary or without new counts.
     * The numbers are those a decision on the same counts would report: the same test, the same evidence.
     *
     * @param now when they are published (wall clock)
     */
    public Optional<CanaryEvidence> evidence(CanaryState state, long now) {
        Long canary = state.getCanary();
        if (canary == null) {
            return Optional.empty();
        }
        Map<String, ArmCounts> counts = counts(state);
        long observations = counts.values().stream()
                .mapToLong(c -> c.canaryTrials() + c.parentTrials())
                .sum();
        // Counts only grow while a canary runs, and start from zero with the next one: their total tells whether
        // anything changed since the last publication.
        if (observations <= state.getEvidenceObservations()) {
            return Optional.empty();
        }
        // The maximum duration is applied on stream time by onTime; here only the metrics matter.
        CanaryEvaluation e = test.evaluate(counts, Duration.ZERO);
        ArmCounts thumbs = counts.getOrDefault(SequentialCanaryTest.THUMBS_UP, ArmCounts.EMPTY);
        state.setEvidenceObservations(observations);
        return Optional.of(CanaryEvidence.newBuilder()
                .setModelId(state.getModelId())
                .setVersion(canary)
                .setParentVersion(state.getPromoted())
                .setMetrics(e.metrics().stream().map(CanaryController::evidence).toList())
                .setCanarySamples(thumbs.canaryTrials())
                .setParentSamples(thumbs.parentTrials())
                .setAlpha(config.alpha())
                .setStartedTime(java.time.Instant.ofEpochMilli(state.getCanaryStarted()))
                .setObservedTime(java.time.Instant.ofEpochMilli(state.getLastObserved()))
                .setPublishedTime(java.time.Instant.ofEpochMilli(now))
                .build());
    }

    /** Stream time moved on: applies the default to a canary past its maximum duration. */
    public List<CanaryDecision> onTime(CanaryState state, long time) {
        return state.getCanary() == null ? List.of() : evaluate(state, time);
    }

    private static Map<String, ArmCounts> counts(CanaryState state) {
        Map<String, ArmCounts> counts = new HashMap<>();
        for (CanaryMetricCount c : state.getCounts()) {
            counts.put(
                    c.getMetric(),
                    new ArmCounts(c.getCanaryHits(), c.getCanaryTrials(), c.getParentHits(), c.getParentTrials()));
        }
        return counts;
    }

    private List<CanaryDecision> evaluate(CanaryState state, long time) {
        Map<String, ArmCounts> counts = counts(state);
        CanaryEvaluation e = test.evaluate(counts, Duration.ofMillis(Math.max(0, time - state.getCanaryStarted())));
        if (!e.decided()) {
            return List.of();
        }
        long canary = state.getCanary();
        long parent = state.getPromoted();
        DecisionOutcome outcome =
                e.outcome() == CanaryOutcome.PROMOTED ? DecisionOutcome.PROMOTED : DecisionOutcome.ROLLED_BACK;
        ArmCounts thumbs = counts.getOrDefault(SequentialCanaryTest.THUMBS_UP, ArmCounts.EMPTY);
        CanaryDecision decision = CanaryDecision.newBuilder()
                .setDecisionId(decisionId(state.getModelId(), canary, outcome))
                .setModelId(state.getModelId())
                .setVersion(canary)
                .setParentVersion(parent)
                .setOutcome(outcome)
                .setReason(e.reason())
                .setMetrics(e.metrics().stream().map(CanaryController::evidence).toList())
                .setCanarySamples(thumbs.canaryTrials())
                .setParentSamples(thumbs.parentTrials())
                .setAlpha(config.alpha())
                .setStartedTime(java.time.Instant.ofEpochMilli(state.getCanaryStarted()))
                .setDecidedTime(java.time.Instant.ofEpochMilli(time))
                .build();
        List<CanaryDecision> out = new ArrayList<>();
        out.add(decision);
        if (outcome == DecisionOutcome.PROMOTED) {
            state.setPromoted(canary);
            // Lines are only followed back to the promoted version: older parents are no longer needed.
            Map<String, Long> parents = new HashMap<>(state.getParents());
            parents.keySet().removeIf(k -> Long.parseLong(k) < canary);
            state.setParents(parents);
        } else {
            reject(state, canary, outcome);
        }
        state.setCanary(null);
        state.setCounts(new ArrayList<>());
        state.setEvidenceObservations(0);
        Long next = state.getWaiting();
        if (next != null) {
            state.setWaiting(null);
            Optional<String> line = rejectedAncestor(state, next);
            if (line.isPresent()) {
                out.add(supersededLine(state, next, line.get(), time));
            } else {
                start(state, next, time, out);
            }
        }
        return out;
    }

    private static void reject(CanaryState state, long version, DecisionOutcome outcome) {
        Map<String, String> rejected = new HashMap<>(state.getRejected());
        rejected.put(Long.toString(version), outcome.name());
        state.setRejected(rejected);
    }

    /**
     * The nearest version on {@code version}'s line (its parent, the parent's parent, ... back to the promoted
     * version) that was rolled back or failed its gate, as {@code version N OUTCOME}; empty when there is none.
     */
    private static Optional<String> rejectedAncestor(CanaryState state, long version) {
        Set<Long> seen = new HashSet<>();
        Long v = state.getParents().get(Long.toString(version));
        while (v != null && seen.add(v) && !v.equals(state.getPromoted())) {
            String outcome = state.getRejected().get(Long.toString(v));
            if (outcome != null) {
                return Optional.of("version " + v + " " + outcome);
            }
            v = state.getParents().get(Long.toString(v));
        }
        return Optional.empty();
    }

    /**
     * A version trained from a rejected line, published before the trainer rebased: it never serves traffic; the
     * trainer's next version, rebased onto the promoted one, is the next canary.
     */
    private CanaryDecision supersededLine(CanaryState state, long version, String ancestor, long time) {
        return plain(
                state,
                version,
                state.getPromoted(),
                DecisionOutcome.SUPERSEDED,
                "descends from " + ancestor + "; waiting for the trainer's version rebased onto version "
                        + state.getPromoted(),
                time,
                time);
    }

    private void start(CanaryState state, long version, long time, List<CanaryDecision> out) {
        state.setCanary(version);
        state.setCanaryStarted(time);
        state.setCounts(new ArrayList<>());
        state.setLastObserved(time);
        state.setEvidenceObservations(0);
        out.add(plain(
                state,
                version,
                state.getPromoted(),
                DecisionOutcome.STARTED,
                "canary against version " + state.getPromoted(),
                time,
                time));
    }

    private static CanaryMetricCount count(CanaryState state, String metric) {
        for (CanaryMetricCount c : state.getCounts()) {
            if (c.getMetric().equals(metric)) {
                return c;
            }
        }
        CanaryMetricCount c = CanaryMetricCount.newBuilder().setMetric(metric).build();
        List<CanaryMetricCount> all = new ArrayList<>(state.getCounts());
        all.add(c);
        state.setCounts(all);
        return c;
    }

    private CanaryDecision plain(
            CanaryState state,
            long version,
            Long parent,
            DecisionOutcome outcome,
            String reason,
            long started,
            long decided) {
        return CanaryDecision.newBuilder()
                .setDecisionId(decisionId(state.getModelId(), version, outcome))
                .setModelId(state.getModelId())
                .setVersion(version)
                .setParentVersion(parent)
                .setOutcome(outcome)
                .setReason(reason)
                .setAlpha(config.alpha())
                .setStartedTime(java.time.Instant.ofEpochMilli(started))
                .setDecidedTime(java.time.Instant.ofEpochMilli(decided))
                .build();
    }

    /** The deterministic id of a decision: a model's version gets each outcome at most once. */
    public static String decisionId(String modelId, long version, DecisionOutcome outcome) {
        return modelId + "/" + version + "/" + outcome;
    }

    private static MetricEvidence evidence(MetricResult r) {
        return MetricEvidence.newBuilder()
                .setMetric(r.metric())
                .setCanaryHits(r.counts().canaryHits())
                .setCanaryTrials(r.counts().canaryTrials())
                .setParentHits(r.counts().parentHits())
                .setParentTrials(r.counts().parentTrials())
                .setDifferenceLow(r.difference().low())
                .setDifferenceHigh(r.difference().high())
                .setHarmBoundary(r.harmBoundary())
                .setSafeBoundary(r.safeBoundary())
                .setAlpha(r.alpha())
                .setVerdict(r.verdict().name())
                .build();
    }
}

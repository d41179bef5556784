package io.streamrlhf.app.dashboard;

import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.avro.CanaryEvidence;
import io.streamrlhf.avro.DeadLetter;
import io.streamrlhf.avro.DecisionOutcome;
import io.streamrlhf.avro.MetricEvidence;
import io.streamrlhf.avro.OffsetRange;
import io.streamrlhf.avro.PolicyStatus;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.avro.TrainerMetrics;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Builders of the Avro records the dashboard reads, with plausible values, for tests. */
final class Records {

    static final String MODEL = "tiny-chat";

    private Records() {}

    static PolicyVersion version(long version, Instant created, long examples) {
        return PolicyVersion.newBuilder()
                .setModelId(MODEL)
                .setVersion(version)
                .setParentVersion(version == 0 ? null : version - 1)
                .setCheckpointUri("file:///tmp/checkpoints/" + MODEL + "-v" + version + ".ckpt")
                .setSha256("ab".repeat(32))
                .setSizeBytes(1_234_567)
                .setCreatedTime(created)
                .setLineage(
                        examples == 0
                                ? List.of()
                                : List.of(OffsetRange.newBuilder()
                                        .setTopic("rlhf.examples.kto")
                                        .setPartition(0)
                                        .setFromOffset(1000 * version)
                                        .setToOffset(1000 * version + examples - 1)
                                        .build()))
                .setMetrics(Map.of("loss/kto", 0.69 - 0.02 * version, "steps", 8.0))
                .setStatus(version == 0 ? PolicyStatus.WARM_START : PolicyStatus.PUBLISHED)
                .build();
    }

    static TrainerMetrics step(long step, long policyVersion, Instant time, Map<String, Double> metrics) {
        return TrainerMetrics.newBuilder()
                .setModelId(MODEL)
                .setStep(step)
                .setPolicyVersion(policyVersion)
                .setMetrics(Map.copyOf(metrics))
                .setEventTime(time)
                .build();
    }

    static DeadLetter deadLetter(String topic, long offset, String errorClass, String reason, Instant time) {
        return DeadLetter.newBuilder()
                .setTopic(topic)
                .setPartition(0)
                .setOffset(offset)
                .setErrorClass(errorClass)
                .setReason(reason)
                .setTime(time)
                .build();
    }

    /** A thumbs-up or judge metric's evidence: hits of trials on each arm and the difference's interval. */
    static MetricEvidence evidence(
            String metric,
            long ch,
            long ct,
            long ph,
            long pt,
            double low,
            double high,
            double harm,
            double safe,
            String verdict) {
        return MetricEvidence.newBuilder()
                .setMetric(metric)
                .setCanaryHits(ch)
                .setCanaryTrials(ct)
                .setParentHits(ph)
                .setParentTrials(pt)
                .setDifferenceLow(low)
                .setDifferenceHigh(high)
                .setHarmBoundary(harm)
                .setSafeBoundary(safe)
                .setAlpha(0.025)
                .setVerdict(verdict)
                .build();
    }

    /** A canary decision as the controller writes it (deterministic id {@code <model>/<version>/<outcome>}). */
    static CanaryDecision decision(
            String model,
            long version,
            Long parent,
            DecisionOutcome outcome,
            String reason,
            Instant time,
            List<MetricEvidence> metrics) {
        long canary = metrics.isEmpty() ? 0 : metrics.get(0).getCanaryTrials();
        long parentSamples = metrics.isEmpty() ? 0 : metrics.get(0).getParentTrials();
        return CanaryDecision.newBuilder()
                .setDecisionId(model + "/" + version + "/" + outcome)
                .setModelId(model)
                .setVersion(version)
                .setParentVersion(parent)
                .setOutcome(outcome)
                .setReason(reason)
                .setMetrics(metrics)
                .setCanarySamples(canary)
                .setParentSamples(parentSamples)
                .setAlpha(0.05)
                .setStartedTime(time.minusSeconds(200))
                .setDecidedTime(time)
                .build();
    }

    /**
     * A running canary's statistics as the controller publishes them, its sample counts those of the first metric
     * (thumbs up).
     */
    static CanaryEvidence live(
            String model, long version, long parent, Instant observed, Instant published, List<MetricEvidence> m) {
        return CanaryEvidence.newBuilder()
                .setModelId(model)
                .setVersion(version)
                .setParentVersion(parent)
                .setMetrics(m)
                .setCanarySamples(m.get(0).getCanaryTrials())
                .setParentSamples(m.get(0).getParentTrials())
                .setAlpha(0.05)
                .setStartedTime(observed.minusSeconds(120))
                .setObservedTime(observed)
                .setPublishedTime(published)
                .build();
    }
}

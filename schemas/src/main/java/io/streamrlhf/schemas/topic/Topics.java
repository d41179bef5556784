package io.streamrlhf.schemas.topic;

import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.avro.CanaryEvidence;
import io.streamrlhf.avro.CheckpointChunk;
import io.streamrlhf.avro.DeadLetter;
import io.streamrlhf.avro.DpoPair;
import io.streamrlhf.avro.ErasureReport;
import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.JudgeVerdict;
import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.avro.PairwisePreference;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.avro.Prompt;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.avro.TrainerMetrics;
import io.streamrlhf.avro.UserErased;
import io.streamrlhf.schemas.registry.SchemaRegistryClient;
import io.streamrlhf.schemas.serde.AvroSerde;
import java.util.List;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The typed descriptors of every StreamRLHF topic, built once from the names and a schema registry.
 * Keys are strings (ids), except dead letters, which keep the original key bytes.
 */
public final class Topics {

    private final TopicNames names;
    private final Topic<String, ResponseGenerated> responses;
    private final Topic<String, Feedback> feedback;
    private final Topic<String, PairwisePreference> preferences;
    private final Topic<String, Prompt> prompts;
    private final Topic<String, JudgeVerdict> judgeVerdicts;
    private final Topic<String, KtoExample> ktoExamples;
    private final Topic<String, DpoPair> dpoPairs;
    private final Topic<String, PolicyVersion> policyVersions;
    private final Topic<String, TrainerMetrics> trainerMetrics;
    private final Topic<byte[], DeadLetter> deadLetters;
    private final Topic<String, UserErased> erasures;
    private final Topic<String, CanaryDecision> policyDecisions;
    private final Topic<String, CheckpointChunk> policyCheckpoints;
    private final Topic<String, ErasureReport> erasureReports;
    private final Topic<String, CanaryEvidence> canaryEvidence;

    public Topics(TopicNames names, SchemaRegistryClient registry) {
        this.names = Objects.requireNonNull(names, "names");
        Objects.requireNonNull(registry, "registry");
        this.responses = topic(names.responses(), ResponseGenerated.class, registry);
        this.feedback = topic(names.feedback(), Feedback.class, registry);
        this.preferences = topic(names.preferences(), PairwisePreference.class, registry);
        this.prompts = topic(names.prompts(), Prompt.class, registry);
        this.judgeVerdicts = topic(names.judgeVerdicts(), JudgeVerdict.class, registry);
        this.ktoExamples = topic(names.ktoExamples(), KtoExample.class, registry);
        this.dpoPairs = topic(names.dpoPairs(), DpoPair.class, registry);
        this.policyVersions = topic(names.policyVersions(), PolicyVersion.class, registry);
        this.trainerMetrics = topic(names.trainerMetrics(), TrainerMetrics.class, registry);
        this.deadLetters =
                new Topic<>(names.deadLetters(), Serdes.ByteArray(), AvroSerde.forValues(DeadLetter.class, registry));
        this.erasures = topic(names.erasures(), UserErased.class, registry);
        this.policyDecisions = topic(names.policyDecisions(), CanaryDecision.class, registry);
        this.policyCheckpoints = topic(names.policyCheckpoints(), CheckpointChunk.class, registry);
        this.erasureReports = topic(names.erasureReports(), ErasureReport.class, registry);
        this.canaryEvidence = topic(names.canaryEvidence(), CanaryEvidence.class, registry);
    }

    private static <V extends SpecificRecord> Topic<String, V> topic(
            String name, Class<V> type, SchemaRegistryClient registry) {
        return new Topic<>(name, Serdes.String(), AvroSerde.forValues(type, registry));
    }

    public TopicNames names() {
        return names;
    }

    public Topic<String, ResponseGenerated> responses() {
        return responses;
    }

    public Topic<String, Feedback> feedback() {
        return feedback;
    }

    public Topic<String, PairwisePreference> preferences() {
        return preferences;
    }

    public Topic<String, Prompt> prompts() {
        return prompts;
    }

    public Topic<String, JudgeVerdict> judgeVerdicts() {
        return judgeVerdicts;
    }

    public Topic<String, KtoExample> ktoExamples() {
        return ktoExamples;
    }

    public Topic<String, DpoPair> dpoPairs() {
        return dpoPairs;
    }

    public Topic<String, PolicyVersion> policyVersions() {
        return policyVersions;
    }

    public Topic<String, TrainerMetrics> trainerMetrics() {
        return trainerMetrics;
    }

    public Topic<byte[], DeadLetter> deadLetters() {
        return deadLetters;
    }

    public Topic<String, UserErased> erasures() {
        return erasures;
    }

    public Topic<String, CanaryDecision> policyDecisions() {
        return policyDecisions;
    }

    /** The kafka checkpoint store's chunks by {@code modelId/version/file/chunk}. */
    public Topic<String, CheckpointChunk> policyCheckpoints() {
        return policyCheckpoints;
    }

    /** Erasure reports by user id. */
    public Topic<String, ErasureReport> erasureReports() {
        return erasureReports;
    }

    /** A running canary's current statistics by model id. */
    public Topic<String, CanaryEvidence> canaryEvidence() {
        return canaryEvidence;
    }

    /**
     * Every data topic (the registry's own log excluded, and the checkpoint chunks, which are a store's binary
     * files rather than events).
     */
    public List<Topic<?, ?>> all() {
        return List.of(
                responses,
                feedback,
                preferences,
                prompts,
                judgeVerdicts,
                ktoExamples,
                dpoPairs,
                policyVersions,
                trainerMetrics,
                deadLetters,
                erasures,
                policyDecisions,
                erasureReports,
                canaryEvidence);
    }
}

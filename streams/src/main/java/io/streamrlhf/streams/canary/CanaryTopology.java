package io.streamrlhf.streams.canary;

import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.avro.CanaryEvidence;
import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.JudgeVerdict;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.streams.avro.CanaryObservation;
import io.streamrlhf.streams.common.StreamSerdes;
import io.streamrlhf.streams.config.CanaryConfig;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;

/**
 * The canary controller: attributes feedback and judge verdicts to policy versions and decides each canary with the
 * {@link SequentialCanaryTest}, writing every decision to the decisions topic.
 *
 * <pre>
 * responses ─┐                                                         policy versions ─┐
 * feedback ──┼─► canary-attribute ──► key by model ──► canary-observations ──┴─► canary-control ─┬─► decisions
 * verdicts ──┘   (canary-response-refs,               (repartition, 1 partition)  (canary-state)  └─► evidence
 *                 canary-response-schedule)
 * </pre>
 *
 * <p>Besides its decisions the controller publishes, every {@code canary.evidence.interval} of wall clock, each
 * running canary's current statistics when they changed ({@code CanaryEvidence} on their own compacted topic,
 * not a new decision outcome: every follower of the decisions topic switches on the outcome, and the evidence must
 * change none of them).
 *
 * <p>It runs inside the streams application (not as its own component) because it needs exactly what the
 * application already has: the responses and feedback co-partitioned by response id, the judges' verdicts, state
 * stores with changelogs, and transactions that write state, decisions and input offsets together, so each decision
 * is written exactly once and survives restarts. The observations are repartitioned into one partition so that a
 * model's state and the single-partition policy versions topic meet in one task.
 */
public final class CanaryTopology {

    /** The repartition topic of observations keyed by model id. */
    public static final String OBSERVATIONS = "canary-observations";

    private final CanaryConfig config;
    private final StreamSerdes serdes;

    public CanaryTopology(CanaryConfig config, StreamSerdes serdes) {
        this.config = Objects.requireNonNull(config, "config");
        this.serdes = Objects.requireNonNull(serdes, "serdes");
    }

    /** The controller on its own, reading responses and feedback from their topics. */
    public Topology build() {
        StreamsBuilder builder = new StreamsBuilder();
        Topic<String, ResponseGenerated> responses = serdes.topics().responses();
        Topic<String, Feedback> feedback = serdes.topics().feedback();
        addTo(
                builder,
                builder.stream(
                        responses.name(),
                        Consumed.with(responses.keySerde(), responses.valueSerde())
                                .withName("canary-responses-source")),
                builder.stream(
                        feedback.name(),
                        Consumed.with(feedback.keySerde(), feedback.valueSerde())
                                .withName("canary-feedback-source")));
        return builder.build();
    }

    /**
     * Wires the controller onto {@code builder}, given the (validated) responses and feedback keyed by response id;
     * it reads the verdicts and policy versions topics itself.
     */
    public void addTo(
            StreamsBuilder builder, KStream<String, ResponseGenerated> responses, KStream<String, Feedback> feedback) {
        Topic<String, JudgeVerdict> verdictTopic = serdes.topics().judgeVerdicts();
        Topic<String, PolicyVersion> versionTopic = serdes.topics().policyVersions();
        Topic<String, CanaryDecision> decisionTopic = serdes.topics().policyDecisions();
        Topic<String, CanaryEvidence> evidenceTopic = serdes.topics().canaryEvidence();
        builder.addStateStore(
                serdes.stores().keyValue(AttributionProcessor.REFS_STORE, Serdes.String(), serdes.canaryResponseRef()));
        builder.addStateStore(serdes.stores().scheduleIndex(AttributionProcessor.SCHEDULE_STORE));
        builder.addStateStore(
                serdes.stores().keyValue(ControllerProcessor.STATE_STORE, Serdes.String(), serdes.canaryState()));

        KStream<String, AttributionInput> attributionInputs = responses
                .mapValues(AttributionInput::of, Named.as("canary-wrap-responses"))
                .merge(
                        feedback.mapValues(AttributionInput::of, Named.as("canary-wrap-feedback")),
                        Named.as("canary-merge-feedback"))
                .merge(
                        builder.stream(
                                        verdictTopic.name(),
                                        Consumed.with(verdictTopic.keySerde(), verdictTopic.valueSerde())
                                                .withName("canary-verdicts-source"))
                                .mapValues(AttributionInput::of, Named.as("canary-wrap-verdicts")),
                        Named.as("canary-merge-verdicts"));
        KStream<String, CanaryObservation> observations = attributionInputs
                .process(
                        () -> new AttributionProcessor(config.attributionWindow()),
                        Named.as("canary-attribute"),
                        AttributionProcessor.REFS_STORE,
                        AttributionProcessor.SCHEDULE_STORE)
                .repartition(Repartitioned.with(Serdes.String(), serdes.canaryObservation())
                        .withName(OBSERVATIONS)
                        .withNumberOfPartitions(1));

        KStream<String, ControllerInput> controllerInputs = observations
                .mapValues(ControllerInput::of, Named.as("canary-wrap-observations"))
                .merge(
                        builder.stream(
                                        versionTopic.name(),
                                        Consumed.with(versionTopic.keySerde(), versionTopic.valueSerde())
                                                .withName("canary-versions-source"))
                                .mapValues(ControllerInput::of, Named.as("canary-wrap-versions")),
                        Named.as("canary-merge-versions"));
        CanaryController controller = new CanaryController(config);
        controllerInputs
                .process(
                        () -> new ControllerProcessor(controller, config.evidenceInterval()),
                        Named.as("canary-control"),
                        ControllerProcessor.STATE_STORE)
                .split(Named.as("canary-output-"))
                .branch(
                        (model, out) -> out.isDecision(),
                        Branched.withConsumer(
                                decisions -> decisions
                                        .mapValues(ControllerOutput::decision, Named.as("canary-unwrap-decisions"))
                                        .to(
                                                decisionTopic.name(),
                                                Produced.with(decisionTopic.keySerde(), decisionTopic.valueSerde())
                                                        .withName("canary-decisions-sink")),
                                "decisions"))
                .defaultBranch(Branched.withConsumer(
                        evidence -> evidence.mapValues(ControllerOutput::evidence, Named.as("canary-unwrap-evidence"))
                                .to(
                                        evidenceTopic.name(),
                                        Produced.with(evidenceTopic.keySerde(), evidenceTopic.valueSerde())
                                                .withName("canary-evidence-sink")),
                        "evidence"));
    }
}

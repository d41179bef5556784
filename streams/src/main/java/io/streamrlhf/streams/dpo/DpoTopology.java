package io.streamrlhf.streams.dpo;

import io.streamrlhf.avro.DpoPair;
import io.streamrlhf.avro.JudgeVerdict;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.streams.avro.KtoDecision;
import io.streamrlhf.streams.avro.ResponseSnapshot;
import io.streamrlhf.streams.common.Emissions;
import io.streamrlhf.streams.common.StreamSerdes;
import io.streamrlhf.streams.config.DpoConfig;
import io.streamrlhf.streams.config.JudgeConfig;
import io.streamrlhf.streams.config.ValidationConfig;
import io.streamrlhf.streams.deadletter.SinkSizeGuard;
import io.streamrlhf.streams.deadletter.ValidatedInputs;
import io.streamrlhf.streams.judge.JudgeMixture;
import io.streamrlhf.streams.kto.KtoJoinProcessor;
import io.streamrlhf.streams.monitor.MonitorEvents;
import io.streamrlhf.streams.monitor.MonitorTap;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;

/**
 * DPO pairs from three sources, written to the DPO pairs topic keyed by pair id, plus a judge verdict per rollout.
 *
 * <pre>
 * responses ─► dpo-responses-by-prompt (repartition) ─┬─► dpo-explicit ◄─ preferences     (HUMAN)
 *                                                     └─► dpo-judge    ◄─ prompts         (JUDGE, verdicts)
 * KTO decisions ─► dpo-derived-by-prompt (repartition) ─► dpo-derived                      (DERIVED)
 * </pre>
 *
 * The preferences and prompts topics must have as many partitions as the responses topic (they are keyed by prompt
 * id and read by the same tasks as the repartitioned responses). {@link #build()} wires explicit and judged pairs;
 * derived pairs need the KTO decisions and are wired by {@link #addTo} when they are given.
 */
public final class DpoTopology {

    /** Responses re-keyed by prompt id. */
    public static final String RESPONSES_BY_PROMPT = "dpo-responses-by-prompt";
    /** KTO decisions re-keyed by prompt id. */
    public static final String DERIVED_BY_PROMPT = "dpo-derived-by-prompt";

    private final DpoConfig config;
    private final JudgeConfig judgeConfig;
    private final ValidationConfig validation;
    private final StreamSerdes serdes;

    public DpoTopology(DpoConfig config, JudgeConfig judgeConfig, ValidationConfig validation, StreamSerdes serdes) {
        this.config = Objects.requireNonNull(config, "config");
        this.judgeConfig = Objects.requireNonNull(judgeConfig, "judgeConfig");
        this.validation = Objects.requireNonNull(validation, "validation");
        this.serdes = Objects.requireNonNull(serdes, "serdes");
    }

    /** Explicit and judged pairs on their own (with input validation and dead letters). */
    public Topology build() {
        StreamsBuilder builder = new StreamsBuilder();
        addTo(builder, new ValidatedInputs(builder, serdes.topics(), validation, MonitorTap.discarding()), null);
        return builder.build();
    }

    /**
     * Wires DPO onto {@code builder} over shared inputs.
     *
     * @param ktoDecisions the capped KTO decisions for derived pairs, or null to leave derived pairs out
     */
    public void addTo(StreamsBuilder builder, ValidatedInputs inputs, KStream<String, KtoDecision> ktoDecisions) {
        KStream<String, ResponseSnapshot> byPrompt = inputs.responses()
                .map(
                        (id, r) -> KeyValue.pair(r.value().getPromptId(), KtoJoinProcessor.snapshot(r)),
                        Named.as("dpo-key-responses-by-prompt"))
                .repartition(Repartitioned.with(Serdes.String(), serdes.responseSnapshot())
                        .withName(RESPONSES_BY_PROMPT));
        explicitPairs(builder, inputs, byPrompt);
        judgedPairs(builder, inputs, byPrompt);
        if (ktoDecisions != null) {
            derivedPairs(builder, inputs, ktoDecisions);
        }
    }

    private void explicitPairs(
            StreamsBuilder builder, ValidatedInputs inputs, KStream<String, ResponseSnapshot> byPrompt) {
        builder.addStateStore(serdes.stores()
                .keyValue(ExplicitPairProcessor.RESPONSES_STORE, Serdes.String(), serdes.responseSnapshot()));
        builder.addStateStore(serdes.stores()
                .keyValue(ExplicitPairProcessor.PREFERENCES_STORE, Serdes.String(), serdes.pendingPreference()));
        builder.addStateStore(serdes.stores().scheduleIndex(ExplicitPairProcessor.SCHEDULE_STORE));
        KStream<String, DpoInput> in = byPrompt.mapValues(DpoInput::ofResponse, Named.as("dpo-explicit-wrap-responses"))
                .merge(
                        inputs.preferences()
                                .mapValues(DpoInput::ofPreference, Named.as("dpo-explicit-wrap-preferences")),
                        Named.as("dpo-explicit-merge"));
        Emissions<DpoPair> split = Emissions.process(
                in,
                () -> new ExplicitPairProcessor(config),
                "dpo-explicit",
                ExplicitPairProcessor.RESPONSES_STORE,
                ExplicitPairProcessor.PREFERENCES_STORE,
                ExplicitPairProcessor.SCHEDULE_STORE);
        sinkPairs(inputs, split, "dpo-explicit");
    }

    private void judgedPairs(
            StreamsBuilder builder, ValidatedInputs inputs, KStream<String, ResponseSnapshot> byPrompt) {
        builder.addStateStore(
                serdes.stores().keyValue(JudgedRolloutProcessor.GROUPS_STORE, Serdes.String(), serdes.rolloutGroup()));
        builder.addStateStore(serdes.stores()
                .keyValue(JudgedRolloutProcessor.PROMPTS_STORE, Serdes.String(), serdes.promptSnapshot()));
        builder.addStateStore(serdes.stores().scheduleIndex(JudgedRolloutProcessor.SCHEDULE_STORE));
        JudgeMixture judges = JudgeMixture.fromConfig(judgeConfig);
        KStream<String, DpoInput> in = byPrompt.filter(
                        (promptId, r) -> r.getRollout(), Named.as("dpo-judge-rollouts-only"))
                .mapValues(DpoInput::ofResponse, Named.as("dpo-judge-wrap-rollouts"))
                .merge(
                        inputs.prompts().mapValues(DpoInput::ofPrompt, Named.as("dpo-judge-wrap-prompts")),
                        Named.as("dpo-judge-merge"));
        Emissions<JudgeOutcome> split = Emissions.process(
                in,
                () -> new JudgedRolloutProcessor(config, judges),
                "dpo-judge",
                JudgedRolloutProcessor.GROUPS_STORE,
                JudgedRolloutProcessor.PROMPTS_STORE,
                JudgedRolloutProcessor.SCHEDULE_STORE);
        inputs.deadLetters(split.dead(), "dpo-judge");
        inputs.tap().addMonitorOf(split);
        KStream<String, JudgeVerdict> verdicts = split.data()
                .filter((k, o) -> o.verdict() != null, Named.as("dpo-judge-verdicts-only"))
                .mapValues(JudgeOutcome::verdict, Named.as("dpo-judge-unwrap-verdicts"));
        Topic<String, JudgeVerdict> verdictTopic = serdes.topics().judgeVerdicts();
        verdicts.to(
                verdictTopic.name(),
                Produced.with(verdictTopic.keySerde(), SinkSizeGuard.limit(verdictTopic.valueSerde()))
                        .withName("dpo-judge-verdicts-sink"));
        inputs.tap().add(verdicts, MonitorEvents::forVerdict, "dpo-judge-verdict-monitor");
        KStream<String, DpoPair> pairs = split.data()
                .filter((k, o) -> o.pair() != null, Named.as("dpo-judge-pairs-only"))
                .mapValues(JudgeOutcome::pair, Named.as("dpo-judge-unwrap-pairs"));
        sinkPairs(inputs, pairs, "dpo-judge");
    }

    private void derivedPairs(StreamsBuilder builder, ValidatedInputs inputs, KStream<String, KtoDecision> decisions) {
        builder.addStateStore(serdes.stores()
                .keyValue(DerivedPairProcessor.STATE_STORE, Serdes.String(), serdes.derivedPromptState()));
        builder.addStateStore(serdes.stores().scheduleIndex(DerivedPairProcessor.SCHEDULE_STORE));
        KStream<String, KtoDecision> byPrompt = decisions
                .filter((user, d) -> !d.getCapped(), Named.as("dpo-derived-counted-only"))
                .selectKey((user, d) -> d.getPromptId(), Named.as("dpo-derived-key-by-prompt"))
                .repartition(Repartitioned.with(Serdes.String(), serdes.ktoDecision())
                        .withName(DERIVED_BY_PROMPT));
        sinkPairs(
                inputs,
                Emissions.process(
                        byPrompt,
                        () -> new DerivedPairProcessor(config),
                        "dpo-derived",
                        DerivedPairProcessor.STATE_STORE,
                        DerivedPairProcessor.SCHEDULE_STORE),
                "dpo-derived");
    }

    private void sinkPairs(ValidatedInputs inputs, Emissions<DpoPair> split, String name) {
        inputs.deadLetters(split.dead(), name);
        inputs.tap().addMonitorOf(split);
        sinkPairs(inputs, split.data(), name);
    }

    private void sinkPairs(ValidatedInputs inputs, KStream<String, DpoPair> pairs, String name) {
        Topic<String, DpoPair> topic = serdes.topics().dpoPairs();
        pairs.to(
                topic.name(),
                Produced.with(topic.keySerde(), SinkSizeGuard.limit(topic.valueSerde()))
                        .withName(name + "-pairs-sink"));
        inputs.tap().add(pairs, MonitorEvents::forPair, name + "-pair-monitor");
    }
}

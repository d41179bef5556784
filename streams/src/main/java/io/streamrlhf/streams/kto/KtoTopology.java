package io.streamrlhf.streams.kto;

import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.streams.avro.KtoDecision;
import io.streamrlhf.streams.common.Emissions;
import io.streamrlhf.streams.common.Sourced;
import io.streamrlhf.streams.common.StateStores;
import io.streamrlhf.streams.common.StreamSerdes;
import io.streamrlhf.streams.config.KtoConfig;
import io.streamrlhf.streams.config.ValidationConfig;
import io.streamrlhf.streams.deadletter.SinkSizeGuard;
import io.streamrlhf.streams.deadletter.ValidatedInputs;
import io.streamrlhf.streams.monitor.MonitorEvents;
import io.streamrlhf.streams.monitor.MonitorTap;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;

/**
 * KTO labels: {@code Feedback} joined with the {@code ResponseGenerated} it rates, one example per (response, user),
 * with settle delay, corrections and the per-user cap; written to the KTO examples topic keyed by example id.
 *
 * <pre>
 * responses ─┐                                         ┌─► rlhf.examples.kto (by exampleId)
 * feedback ──┴─► kto-join ─► kto-by-user (repartition) ─► kto-user-cap ─┤
 *                  └─► dead letters (RESPONSE_NOT_FOUND)                 └─► monitor tap, derived DPO pairs
 * </pre>
 *
 * Named state: {@value KtoJoinProcessor#STATE_STORE}, {@value KtoJoinProcessor#SCHEDULE_STORE},
 * {@value UserCapProcessor#COUNTS_STORE}, {@value UserCapProcessor#LEDGER_STORE}; repartition topic
 * {@value #BY_USER}. With the cap off the last two stores and the repartition are left out.
 */
public final class KtoTopology {

    /** Name of the repartition by user id. */
    public static final String BY_USER = "kto-by-user";

    private final KtoConfig config;
    private final ValidationConfig validation;
    private final StreamSerdes serdes;

    public KtoTopology(KtoConfig config, ValidationConfig validation, StreamSerdes serdes) {
        this.config = Objects.requireNonNull(config, "config");
        this.validation = Objects.requireNonNull(validation, "validation");
        this.serdes = Objects.requireNonNull(serdes, "serdes");
    }

    /** The KTO topology on its own (with its input validation and dead letters). */
    public Topology build() {
        StreamsBuilder builder = new StreamsBuilder();
        addTo(builder, new ValidatedInputs(builder, serdes.topics(), validation, MonitorTap.discarding()));
        return builder.build();
    }

    /**
     * Wires KTO onto {@code builder} over shared inputs.
     *
     * @return the decisions as written (for derived DPO pairs): after the per-user cap and keyed by user id, or
     *         straight from the join and keyed by example id when the cap is off ({@code kto.user.labels.per.hour=0},
     *         which also leaves out the {@value #BY_USER} repartition and its stores)
     */
    public KStream<String, KtoDecision> addTo(StreamsBuilder builder, ValidatedInputs inputs) {
        StateStores stores = serdes.stores();
        builder.addStateStore(stores.keyValueBehindObjectCache(
                KtoJoinProcessor.STATE_STORE, Serdes.String(), serdes.ktoResponseState()));
        builder.addStateStore(stores.rebuiltScheduleIndex(KtoJoinProcessor.SCHEDULE_STORE));

        // The join tells responses from feedback by the value's type, so both streams merge as they are.
        @SuppressWarnings({"unchecked", "rawtypes"})
        KStream<String, Sourced<?>> merged =
                ((KStream) inputs.responses()).merge((KStream) inputs.feedback(), Named.as("kto-merge-inputs"));
        Emissions<KtoDecision> out = Emissions.process(
                merged,
                () -> new KtoJoinProcessor(config),
                "kto-join",
                KtoJoinProcessor.STATE_STORE,
                KtoJoinProcessor.SCHEDULE_STORE);
        inputs.deadLetters(out.dead(), "kto-join");
        inputs.tap().addMonitorOf(out);

        // Uncapped decisions are keyed by example id already; capped ones by user id.
        KStream<String, KtoDecision> capped;
        KStream<String, KtoDecision> byExample;
        if (config.userLabelsPerHour() == 0) {
            capped = out.data();
            byExample = capped;
        } else {
            capped = capPerUser(builder, out.data());
            byExample = capped.selectKey((user, d) -> d.getExampleId(), Named.as("kto-key-by-example"));
        }
        Topic<String, KtoExample> examples = serdes.topics().ktoExamples();
        byExample.to(
                examples.name(),
                Produced.with(
                                examples.keySerde(),
                                SinkSizeGuard.limit(KtoExamples.decisionsAsExamples(examples.valueSerde())))
                        .withName("kto-examples-sink"));
        inputs.tap().add(capped, MonitorEvents::forExample, "kto-example-monitor");
        return capped;
    }

    private KStream<String, KtoDecision> capPerUser(StreamsBuilder builder, KStream<String, KtoDecision> decisions) {
        StateStores stores = serdes.stores();
        builder.addStateStore(stores.window(
                UserCapProcessor.COUNTS_STORE,
                UserCapProcessor.HOUR.multipliedBy(2),
                UserCapProcessor.HOUR,
                Serdes.String(),
                Serdes.Long()));
        builder.addStateStore(stores.window(
                UserCapProcessor.LEDGER_STORE,
                UserCapProcessor.ledgerRetention(config),
                UserCapProcessor.HOUR,
                Serdes.String(),
                Serdes.Boolean()));
        return decisions
                .selectKey((exampleId, d) -> d.getUserId(), Named.as("kto-key-by-user"))
                .repartition(Repartitioned.with(Serdes.String(), serdes.ktoDecision())
                        .withName(BY_USER))
                .processValues(
                        () -> new UserCapProcessor(config),
                        Named.as("kto-user-cap"),
                        UserCapProcessor.COUNTS_STORE,
                        UserCapProcessor.LEDGER_STORE);
    }
}

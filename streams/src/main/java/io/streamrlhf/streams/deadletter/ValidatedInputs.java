package io.streamrlhf.streams.deadletter;

import io.streamrlhf.avro.DeadLetter;
import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.PairwisePreference;
import io.streamrlhf.avro.Prompt;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.streams.common.Emissions;
import io.streamrlhf.streams.common.Sourced;
import io.streamrlhf.streams.config.ValidationConfig;
import io.streamrlhf.streams.monitor.MonitorTap;
import io.streamrlhf.streams.redaction.Redactor;
import io.streamrlhf.streams.redaction.ResponseRedaction;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsMetrics;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The input topics of one {@link StreamsBuilder}, each read once as bytes, decoded and validated by a
 * {@link RecordDecoder}; bad records go to the dead-letter topic and their monitor events to the tap. Topologies
 * that share a builder share these streams, so every bad record is dead-lettered exactly once.
 */
public final class ValidatedInputs {

    private final StreamsBuilder builder;
    private final Topics topics;
    private final InputValidators validators;
    private final ValidationConfig config;
    private final MonitorTap tap;
    private final Map<String, KStream<String, ?>> sourced = new HashMap<>();
    private int deadLetterSinks;

    public ValidatedInputs(StreamsBuilder builder, Topics topics, ValidationConfig config, MonitorTap tap) {
        this.builder = Objects.requireNonNull(builder, "builder");
        this.topics = Objects.requireNonNull(topics, "topics");
        this.validators = new InputValidators(config);
        this.config = config;
        this.tap = Objects.requireNonNull(tap, "tap");
        // Every topology that reads the inputs also consults the erased users, so the table is added here, once.
        io.streamrlhf.streams.erasure.ErasedUsers.addTo(builder, topics.erasures());
    }

    public Topics topics() {
        return topics;
    }

    public MonitorTap tap() {
        return tap;
    }

    /**
     * Valid responses, keyed by response id, their prompt and completion redacted ({@code redaction.*}) in the node
     * that decodes them.
     */
    public KStream<String, Sourced<ResponseGenerated>> responses() {
        Redactor redactor = config.redactor();
        return source(
                "responses",
                topics.responses(),
                validators.responses(),
                redactor.enabled() ? ResponseRedaction.perTask(redactor) : null);
    }

    /** Valid feedback, keyed by response id. */
    public KStream<String, Sourced<Feedback>> feedback() {
        return source("feedback", topics.feedback(), validators.feedback(), null);
    }

    /** Valid pairwise preferences, keyed by prompt id. */
    public KStream<String, Sourced<PairwisePreference>> preferences() {
        return source("preferences", topics.preferences(), validators.preferences(), null);
    }

    /** Valid prompts, keyed by prompt id. */
    public KStream<String, Sourced<Prompt>> prompts() {
        return source("prompts", topics.prompts(), validators.prompts(), null);
    }

    /** Sends {@code letters} to the dead-letter topic through a sink named after {@code name}. */
    public void deadLetters(KStream<byte[], DeadLetter> letters, String name) {
        Topic<byte[], DeadLetter> t = topics.deadLetters();
        letters.to(
                t.name(),
                Produced.with(t.keySerde(), SinkSizeGuard.limit(t.valueSerde()))
                        .withName(name + "-dead-letter-sink-" + (deadLetterSinks++)));
    }

    @SuppressWarnings("unchecked")
    private <V> KStream<String, Sourced<V>> source(
            String name,
            Topic<String, V> topic,
            Validator<V> validator,
            Function<StreamsMetrics, UnaryOperator<Sourced<V>>> step) {
        return (KStream<String, Sourced<V>>) sourced.computeIfAbsent(name, n -> {
            KStream<byte[], byte[]> raw = builder.stream(
                    topic.name(),
                    Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(n + "-source"));
            Emissions<Sourced<V>> split = Emissions.process(
                    raw, () -> new RecordDecoder<>(topic.valueSerde().deserializer(), validator, step), n + "-decode");
            deadLetters(split.dead(), n);
            tap.addMonitorOf(split);
            return split.data();
        });
    }
}

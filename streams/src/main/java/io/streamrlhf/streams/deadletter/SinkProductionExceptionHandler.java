package io.streamrlhf.streams.deadletter;

import io.streamrlhf.avro.DeadLetter;
import io.streamrlhf.schemas.registry.SchemaRegistryClient;
import io.streamrlhf.schemas.serde.AvroSerde;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens when an output record cannot be written. For a record to a sink topic named in
 * {@link #SINK_TOPICS_CONFIG} (examples, pairs, verdicts, monitor events, dead letters) a dead letter with reason
 * {@code OUTPUT_NOT_WRITTEN} and the source record's coordinates goes to the dead-letter topic and processing goes on:
 * that output is lost, and the letter says which input it came from. A dead letter that could not be written is
 * replaced by one without the original bytes (they are what made it too large).
 *
 * <p>For every other topic, the changelogs and repartitions, it fails: a skipped changelog record leaves the local
 * store ahead of its changelog, and a restore from the changelog would then silently lose that state; a skipped
 * repartition record silently loses input. The state bounds ({@code kto.max.state.bytes}, {@code dpo.max.state.bytes})
 * keep those records well under Kafka's limit instead.
 *
 * <p>Under exactly-once only a failed serialization can be skipped: a record the producer refuses makes the open
 * transaction abortable, so whatever this handler answers, the commit fails and the work is redone. Sink values are
 * therefore checked for size while they are serialized ({@link SinkSizeGuard}), before the producer sees them, and
 * reach {@link #handleSerializationError}. Configured by {@code StreamsApp} with the registry and dead-letter topic
 * under {@link DeadLetterProcessingExceptionHandler#REGISTRY_CONFIG} and
 * {@link DeadLetterProcessingExceptionHandler#TOPIC_CONFIG}.
 */
public final class SinkProductionExceptionHandler implements ProductionExceptionHandler {

    /** Config key of the sink topic names (a collection of strings). */
    public static final String SINK_TOPICS_CONFIG = "streamrlhf.production.sinkTopics";

    /** Longer record keys are left out of a replacement dead letter, which must be small. */
    private static final int MAX_KEPT_KEY_BYTES = 16 * 1024;

    private static final Logger log = LoggerFactory.getLogger(SinkProductionExceptionHandler.class);

    private String deadLetterTopic;
    private Set<String> sinks;
    private Serializer<DeadLetter> serializer;

    @Override
    public void configure(Map<String, ?> configs) {
        Object registry = configs.get(DeadLetterProcessingExceptionHandler.REGISTRY_CONFIG);
        Object name = configs.get(DeadLetterProcessingExceptionHandler.TOPIC_CONFIG);
        Object topics = configs.get(SINK_TOPICS_CONFIG);
        if (!(registry instanceof SchemaRegistryClient)
                || !(name instanceof String)
                || !(topics instanceof Collection)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " needs "
                    + DeadLetterProcessingExceptionHandler.REGISTRY_CONFIG + " (a SchemaRegistryClient), "
                    + DeadLetterProcessingExceptionHandler.TOPIC_CONFIG + " (the dead-letter topic) and "
                    + SINK_TOPICS_CONFIG + " (the sink topic names) in the streams config");
        }
        this.deadLetterTopic = (String) name;
        this.sinks = Set.copyOf(
                ((Collection<?>) topics).stream().map(String::valueOf).toList());
        this.serializer = AvroSerde.forValues(DeadLetter.class, (SchemaRegistryClient) registry)
                .serializer();
    }

    @Override
    public Response handleError(
            ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        return handle(
                context, record.topic(), record.key(), false, exception, "writing to " + record.topic() + " failed");
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Response handleSerializationError(
            ErrorHandlerContext context,
            ProducerRecord record,
            Exception exception,
            SerializationExceptionOrigin origin) {
        Object key = record.key();
        byte[] keyBytes = key instanceof byte[] bytes
                ? bytes
                : key instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : null;
        return handle(
                context,
                record.topic(),
                keyBytes,
                record.value() instanceof DeadLetter,
                exception,
                "serializing the " + origin.name().toLowerCase(java.util.Locale.ROOT) + " for " + record.topic()
                        + " failed");
    }

    private Response handle(
            ErrorHandlerContext context,
            String topic,
            byte[] recordKey,
            boolean wasDeadLetter,
            Exception exception,
            String what) {
        if (!sinks.contains(topic)) {
            log.error(
                    "{} from processor {} on {}-{}@{}; not a sink topic, so the application stops rather than "
                            + "lose state",
                    what,
                    context.processorNodeId(),
                    context.topic(),
                    context.partition(),
                    context.offset(),
                    exception);
            return Response.fail();
        }
        log.error(
                "{} from processor {} on {}-{}@{}; dead-lettering the source record and going on",
                what,
                context.processorNodeId(),
                context.topic(),
                context.partition(),
                context.offset(),
                exception);
        // The original bytes may be gone (Kafka Streams frees them once a record is sent) or be what made a dead
        // letter too large; the coordinates always stay.
        boolean keepOriginal = !topic.equals(deadLetterTopic) && !wasDeadLetter;
        byte[] rawKey = keepOriginal ? context.sourceRawKey() : null;
        byte[] rawValue = keepOriginal ? context.sourceRawValue() : null;
        DeadLetter letter = DeadLetters.of(
                DeadLetterReason.OUTPUT_NOT_WRITTEN,
                exception.getClass().getName(),
                what + " (processor " + context.processorNodeId() + "): " + exception.getMessage(),
                context.topic(),
                context.partition(),
                context.offset(),
                rawKey,
                rawValue,
                System.currentTimeMillis());
        byte[] sourceKey = context.sourceRawKey();
        byte[] key = sourceKey != null && sourceKey.length <= MAX_KEPT_KEY_BYTES
                ? sourceKey
                : recordKey != null && recordKey.length <= MAX_KEPT_KEY_BYTES ? recordKey : null;
        return Response.resume(
                List.of(new ProducerRecord<>(deadLetterTopic, key, serializer.serialize(deadLetterTopic, letter))));
    }
}

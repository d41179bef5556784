package io.streamrlhf.streams.deadletter;

import io.streamrlhf.avro.DeadLetter;
import io.streamrlhf.schemas.registry.SchemaRegistryClient;
import io.streamrlhf.schemas.serde.AvroSerde;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last line behind the validation rules: when a processor throws on a record, the source record (original
 * bytes and coordinates) goes to dead letters as {@code PROCESSING_ERROR} inside the same transaction and processing
 * goes on, instead of the stream thread dying. Effects the failing processor made before it threw are kept.
 * Configured by {@code StreamsApp} with the registry and dead-letter topic under {@link #REGISTRY_CONFIG} and
 * {@link #TOPIC_CONFIG}.
 */
public final class DeadLetterProcessingExceptionHandler implements ProcessingExceptionHandler {

    /** Config key of the {@link SchemaRegistryClient} instance. */
    public static final String REGISTRY_CONFIG = "streamrlhf.deadletter.registry";
    /** Config key of the dead-letter topic name. */
    public static final String TOPIC_CONFIG = "streamrlhf.deadletter.topic";

    private static final Logger log = LoggerFactory.getLogger(DeadLetterProcessingExceptionHandler.class);
    private static final int MAX_KEY_BYTES = 16 * 1024;

    private String topic;
    private Serializer<DeadLetter> serializer;

    @Override
    public void configure(Map<String, ?> configs) {
        Object registry = configs.get(REGISTRY_CONFIG);
        Object name = configs.get(TOPIC_CONFIG);
        if (!(registry instanceof SchemaRegistryClient) || !(name instanceof String)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " needs " + REGISTRY_CONFIG
                    + " (a SchemaRegistryClient) and " + TOPIC_CONFIG
                    + " (the dead-letter topic) in the streams config");
        }
        this.topic = (String) name;
        this.serializer = AvroSerde.forValues(DeadLetter.class, (SchemaRegistryClient) registry)
                .serializer();
    }

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        log.error(
                "Processor {} failed on {}-{}@{}; dead-lettering the source record",
                context.processorNodeId(),
                context.topic(),
                context.partition(),
                context.offset(),
                exception);
        DeadLetter letter = DeadLetters.of(
                DeadLetterReason.PROCESSING_ERROR,
                exception.getClass().getName(),
                "processor " + context.processorNodeId() + ": " + exception.getMessage(),
                context.topic(),
                context.partition(),
                context.offset(),
                context.sourceRawKey(),
                context.sourceRawValue(),
                System.currentTimeMillis());
        byte[] value = serializer.serialize(topic, letter);
        if (value.length > SinkSizeGuard.MAX_VALUE_BYTES) {
            // The original bytes made the letter too large to send, which would fail the transaction: keep the
            // coordinates and the reason.
            letter.setOriginalKey(null);
            letter.setOriginalValue(null);
            value = serializer.serialize(topic, letter);
        }
        byte[] key = context.sourceRawKey();
        if (key != null && key.length > MAX_KEY_BYTES) {
            key = null; // a key this long would make the record too large as well
        }
        return Response.resume(List.of(new ProducerRecord<>(topic, key, value)));
    }
}

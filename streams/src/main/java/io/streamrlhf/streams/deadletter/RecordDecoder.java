package io.streamrlhf.streams.deadletter;

import io.streamrlhf.avro.DeadLetter;
import io.streamrlhf.schemas.serde.RecordDecodeException;
import io.streamrlhf.streams.common.Emission;
import io.streamrlhf.streams.common.Sourced;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.StreamsMetrics;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes raw input bytes and validates them: a valid record goes on as {@link Sourced} data, anything else
 * becomes a dead letter (original bytes, topic, partition, offset, reason) plus a monitor event. Decoding here
 * rather than in the source's serde keeps dead letters inside the task's transaction under exactly-once and
 * lets {@code TopologyTestDriver} exercise every reason. A valid record may take one more step in this same node
 * before it is forwarded (the responses' redaction): a node of its own would cost every record a hop.
 *
 * @param <V> the decoded record type
 */
public final class RecordDecoder<V> implements Processor<byte[], byte[], String, Emission<Sourced<V>>> {

    private static final Logger log = LoggerFactory.getLogger(RecordDecoder.class);

    private final Deserializer<V> deserializer;
    private final Validator<V> validator;
    private final Function<StreamsMetrics, UnaryOperator<Sourced<V>>> stepPerTask;
    private UnaryOperator<Sourced<V>> step;
    private ProcessorContext<String, Emission<Sourced<V>>> context;

    public RecordDecoder(Deserializer<V> deserializer, Validator<V> validator) {
        this(deserializer, validator, null);
    }

    /**
     * @param stepPerTask makes, when the node starts (from its task's metrics), what is done to each valid record
     *     before it is forwarded; null for nothing
     */
    public RecordDecoder(
            Deserializer<V> deserializer,
            Validator<V> validator,
            Function<StreamsMetrics, UnaryOperator<Sourced<V>>> stepPerTask) {
        this.deserializer = deserializer;
        this.validator = validator;
        this.stepPerTask = stepPerTask;
    }

    @Override
    public void init(ProcessorContext<String, Emission<Sourced<V>>> context) {
        this.context = context;
        this.step = stepPerTask == null ? null : stepPerTask.apply(context.metrics());
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        // Read once, not through three Optional maps (each boxes its number) per record.
        RecordMetadata meta = context.recordMetadata().orElse(null);
        String topic = meta == null ? "" : meta.topic();
        int partition = meta == null ? -1 : meta.partition();
        long offset = meta == null ? -1L : meta.offset();
        byte[] rawKey = record.key();
        byte[] rawValue = record.value();
        String key = rawKey == null ? null : new String(rawKey, StandardCharsets.UTF_8);
        if (rawValue == null) {
            deadLetter(
                    record,
                    DeadLetterReason.TOMBSTONE,
                    DeadLetters.VALIDATION,
                    "null value",
                    topic,
                    partition,
                    offset,
                    -1,
                    null);
            return;
        }
        V value;
        try {
            value = deserializer.deserialize(topic, rawValue);
        } catch (RecordDecodeException e) {
            RecordDecodeException at = e.at(partition, offset);
            deadLetter(
                    record,
                    DeadLetterReason.of(e),
                    e.getClass().getName(),
                    at.getMessage(),
                    topic,
                    partition,
                    offset,
                    -1,
                    e);
            return;
        } catch (SerializationException e) {
            deadLetter(
                    record,
                    DeadLetterReason.CORRUPT_PAYLOAD,
                    e.getClass().getName(),
                    String.valueOf(e.getMessage()),
                    topic,
                    partition,
                    offset,
                    -1,
                    e);
            return;
        }
        Optional<Violation> violation = validator.check(key, value);
        if (violation.isPresent()) {
            Violation v = violation.get();
            deadLetter(
                    record,
                    v.reason(),
                    DeadLetters.VALIDATION,
                    v.detail(),
                    topic,
                    partition,
                    offset,
                    v.policyVersion(),
                    null);
            return;
        }
        Sourced<V> valid = new Sourced<>(value, topic, partition, offset, rawKey, rawValue);
        if (step != null) {
            valid = step.apply(valid);
        }
        // One new record, not withKey().withValue(): each Record made copies the headers.
        context.forward(new Record<>(key, Emission.data(valid), record.timestamp(), record.headers()));
    }

    private void deadLetter(
            Record<byte[], byte[]> record,
            DeadLetterReason reason,
            String errorClass,
            String detail,
            String topic,
            int partition,
            long offset,
            long policyVersion,
            Exception cause) {
        if (log.isDebugEnabled()) {
            log.debug("Dead-lettering {}-{}@{}: {} {}", topic, partition, offset, reason, detail, cause);
        } else {
            log.info("Dead-lettering {}-{}@{}: {}", topic, partition, offset, reason);
        }
        DeadLetter letter = DeadLetters.of(
                reason,
                errorClass,
                detail,
                topic,
                partition,
                offset,
                record.key(),
                record.value(),
                context.currentSystemTimeMs());
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        Emission.forwardDead(context, key, record.key(), letter, policyVersion, record.timestamp());
    }
}

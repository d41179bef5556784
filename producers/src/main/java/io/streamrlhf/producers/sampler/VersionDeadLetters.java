package io.streamrlhf.producers.sampler;

import io.streamrlhf.avro.DeadLetter;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.trainer.checkpoint.VersionVerifier;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Files refused policy versions in the project's dead-letter topic, in the shape the streams application uses:
 * the original key and value bytes, their coordinates, {@code errorClass} {@value #VALIDATION} and a reason
 * {@code REASON: detail} naming the broken rule ({@link VersionVerifier.Reason}).
 */
public final class VersionDeadLetters implements PolicyFollower.DeadLetterSink, AutoCloseable {

    /** The {@code errorClass} of records that decoded but broke a rule, as the streams application files them. */
    public static final String VALIDATION = "validation";

    private final Topic<byte[], DeadLetter> topic;
    private final KafkaProducer<byte[], DeadLetter> producer;

    /** A sink with its own idempotent producer ({@code clientOverrides}: the sampler's Kafka security settings). */
    public VersionDeadLetters(
            String bootstrapServers, Map<String, ?> clientOverrides, Topic<byte[], DeadLetter> topic) {
        Map<String, Object> props = new HashMap<>(clientOverrides);
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        this.topic = topic;
        this.producer = new KafkaProducer<>(
                props, topic.keySerde().serializer(), topic.valueSerde().serializer());
    }

    /** The dead letter of a refused version. */
    static DeadLetter letter(ConsumerRecord<String, ?> record, byte[] rawValue, VersionVerifier.Refusal refusal) {
        return DeadLetter.newBuilder()
                .setOriginalKey(record.key() == null ? null : ByteBuffer.wrap(keyBytes(record)))
                .setOriginalValue(rawValue == null ? null : ByteBuffer.wrap(rawValue))
                .setTopic(record.topic())
                .setPartition(record.partition())
                .setOffset(record.offset())
                .setErrorClass(VALIDATION)
                .setReason(refusal.toString())
                .setTime(Instant.now())
                .build();
    }

    @Override
    public void refused(ConsumerRecord<String, ?> record, byte[] rawValue, VersionVerifier.Refusal refusal) {
        producer.send(new ProducerRecord<>(
                topic.name(), record.key() == null ? null : keyBytes(record), letter(record, rawValue, refusal)));
    }

    private static byte[] keyBytes(ConsumerRecord<String, ?> record) {
        // Version keys are written with the UTF-8 string serializer, so these are the original key bytes.
        return record.key().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        producer.close();
    }
}

package io.streamrlhf.trainer.publish;

import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.schemas.topic.Topic;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The committed policy versions of one model, read from the versions topic with
 * {@code read_committed} from the beginning to the end (the last stable offset).
 *
 * @param versions every committed version of the model, in log order
 */
public record VersionHistory(List<PolicyVersion> versions) {

    /** The highest committed version, if any. */
    public Optional<PolicyVersion> latest() {
        return versions.stream().max(java.util.Comparator.comparingLong(PolicyVersion::getVersion));
    }

    /** The committed version with number {@code version}, if any. */
    public Optional<PolicyVersion> version(long version) {
        return versions.stream().filter(v -> v.getVersion() == version).reduce((a, b) -> b);
    }

    /**
     * Reads the history. Call it after the transactional producer's {@code initTransactions()}, which
     * aborts a crashed predecessor's open transaction that would otherwise hold the stable offset.
     */
    public static VersionHistory read(
            String bootstrapServers, Topic<String, PolicyVersion> topic, String modelId, Duration timeout) {
        return read(bootstrapServers, Map.of(), topic, modelId, timeout);
    }

    /**
     * Reads the history with {@code clientOverrides} (the trainer's Kafka security settings), which cannot change
     * the read-committed replay itself.
     */
    public static VersionHistory read(
            String bootstrapServers,
            Map<String, ?> clientOverrides,
            Topic<String, PolicyVersion> topic,
            String modelId,
            Duration timeout) {
        Map<String, Object> props = new HashMap<>(clientOverrides);
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<PolicyVersion> versions = new ArrayList<>();
        try (KafkaConsumer<String, PolicyVersion> consumer = new KafkaConsumer<>(
                props, new StringDeserializer(), topic.valueSerde().deserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(topic.name(), timeout)) {
                partitions.add(new TopicPartition(info.topic(), info.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            Instant deadline = Instant.now().plus(timeout);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("could not read " + topic.name() + " to its end within " + timeout);
                }
                for (ConsumerRecord<String, PolicyVersion> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() != null && modelId.equals(r.value().getModelId())) {
                        versions.add(r.value());
                    }
                }
            }
        }
        return new VersionHistory(List.copyOf(versions));
    }
}

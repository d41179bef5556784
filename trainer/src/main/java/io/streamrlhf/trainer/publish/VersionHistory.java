package io.streamrlhf.trainer.publish;

import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.trainer.checkpoint.VersionVerifier;
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
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The committed policy versions of one model, read from the versions topic with
 * {@code read_committed} from the beginning to the end (the last stable offset). When read with a
 * {@link VersionVerifier}, only the versions it accepts are kept (each refusal is logged with its offset and
 * reason and counted by the verifier), so a forged record never becomes the trainer's resume point.
 *
 * @param versions every committed (and, with a verifier, accepted) version of the model, in log order
 * @param refused the committed versions of the model the verifier refused, in log order
 */
public record VersionHistory(List<PolicyVersion> versions, List<PolicyVersion> refused) {

    private static final Logger LOG = LoggerFactory.getLogger(VersionHistory.class);

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
     * Reads the history with {@code clientOverrides}, which cannot change the read-committed replay itself, keeping
     * every committed version of the model without checking it.
     */
    public static VersionHistory read(
            String bootstrapServers,
            Map<String, ?> clientOverrides,
            Topic<String, PolicyVersion> topic,
            String modelId,
            Duration timeout) {
        return read(bootstrapServers, clientOverrides, topic, modelId, null, timeout);
    }

    /**
     * Reads the history with {@code clientOverrides} (the trainer's Kafka security settings), which cannot change
     * the read-committed replay itself, keeping only the versions {@code verifier} accepts (all when it is null).
     */
    public static VersionHistory read(
            String bootstrapServers,
            Map<String, ?> clientOverrides,
            Topic<String, PolicyVersion> topic,
            String modelId,
            VersionVerifier verifier,
            Duration timeout) {
        Deserializer<PolicyVersion> decoder = topic.valueSerde().deserializer();
        Map<String, Object> props = new HashMap<>(clientOverrides);
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<PolicyVersion> versions = new ArrayList<>();
        List<PolicyVersion> refused = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
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
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() == null) {
                        continue;
                    }
                    // The exact bytes stay at hand: a signature covers them, not a re-encoding.
                    PolicyVersion v = decoder.deserialize(r.topic(), r.headers(), r.value());
                    if (v == null || !modelId.equals(v.getModelId())) {
                        continue;
                    }
                    Optional<VersionVerifier.Refusal> refusal =
                            verifier == null ? Optional.empty() : verifier.admit(v, r.value(), r.headers());
                    if (refusal.isPresent()) {
                        LOG.warn(
                                "Refusing {} version {} at {}-{}@{}: {}",
                                modelId,
                                v.getVersion(),
                                r.topic(),
                                r.partition(),
                                r.offset(),
                                refusal.get());
                        refused.add(v);
                    } else {
                        versions.add(v);
                    }
                }
            }
        }
        return new VersionHistory(List.copyOf(versions), List.copyOf(refused));
    }
}

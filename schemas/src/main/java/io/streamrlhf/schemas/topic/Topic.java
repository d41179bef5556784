package io.streamrlhf.schemas.topic;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serde;

/**
 * A typed topic: its name and the serdes of its keys and values. Code names topics only through these
 * descriptors, never through string literals.
 *
 * @param name the topic name
 * @param keySerde serde of the keys
 * @param valueSerde serde of the values
 * @param <K> key type
 * @param <V> value type
 */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde) {
    public Topic {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(keySerde, "keySerde");
        Objects.requireNonNull(valueSerde, "valueSerde");
        if (name.isBlank()) {
            throw new IllegalArgumentException("topic name must not be blank");
        }
    }

    /**
     * A consumer that replays this topic's committed records from the beginning, without a consumer group:
     * {@code read_committed}, assigned to every partition, no offsets committed. For followers of small,
     * totally ordered topics such as policy versions.
     *
     * @param bootstrapServers the cluster
     * @param overrides extra client settings (security); they cannot change the settings above
     */
    public KafkaConsumer<K, V> replayingConsumer(String bootstrapServers, Map<String, Object> overrides) {
        // Overrides (security settings) first: reading only committed records from the start is the contract.
        Map<String, Object> config = new HashMap<>(overrides);
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        KafkaConsumer<K, V> consumer = new KafkaConsumer<>(config, keySerde.deserializer(), valueSerde.deserializer());
        try {
            List<TopicPartition> partitions = consumer.partitionsFor(name).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            return consumer;
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
    }

    /** The same topic under another name (for tests that need unique topics per case). */
    public Topic<K, V> renamed(String newName) {
        return new Topic<>(newName, keySerde, valueSerde);
    }
}

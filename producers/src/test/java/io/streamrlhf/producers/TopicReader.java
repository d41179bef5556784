package io.streamrlhf.producers;

import static org.awaitility.Awaitility.await;

import io.streamrlhf.schemas.topic.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Reads a topic back from the start, for integration tests. */
public final class TopicReader<V> implements AutoCloseable {

    private final KafkaConsumer<String, V> consumer;
    private final List<ConsumerRecord<String, V>> records = new ArrayList<>();

    public TopicReader(String bootstrapServers, Topic<String, V> topic) {
        consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers,
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false),
                topic.keySerde().deserializer(),
                topic.valueSerde().deserializer());
        // Assigned by hand, no group: no rebalance to wait for. The producer side created the topic already
        // (tests read only after their writes were acknowledged).
        await().atMost(Duration.ofSeconds(30))
                .until(() -> !consumer.partitionsFor(topic.name()).isEmpty());
        List<TopicPartition> partitions = consumer.partitionsFor(topic.name()).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Polls until at least {@code count} records were read (30 s deadline); returns all read so far. */
    public List<ConsumerRecord<String, V>> awaitAtLeast(int count) {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            return records.size() >= count;
        });
        return List.copyOf(records);
    }

    /** Polls until a record with {@code key} was read (30 s deadline); returns all read up to it, inclusive. */
    public List<ConsumerRecord<String, V>> awaitKey(String key) {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            return records.stream().anyMatch(r -> key.equals(r.key()));
        });
        List<ConsumerRecord<String, V>> upTo = new ArrayList<>();
        for (ConsumerRecord<String, V> r : records) {
            upTo.add(r);
            if (key.equals(r.key())) {
                break;
            }
        }
        return upTo;
    }

    @Override
    public void close() {
        consumer.close();
    }
}

package io.streamrlhf.producers;

import static org.awaitility.Awaitility.await;

import io.streamrlhf.schemas.topic.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/** Reads a topic back from the start, for integration tests. */
public final class TopicReader<V> implements AutoCloseable {

    private final KafkaConsumer<String, V> consumer;
    private final List<ConsumerRecord<String, V>> records = new ArrayList<>();

    public TopicReader(String bootstrapServers, Topic<String, V> topic) {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                topic.keySerde().deserializer(), topic.valueSerde().deserializer());
        consumer.subscribe(List.of(topic.name()));
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

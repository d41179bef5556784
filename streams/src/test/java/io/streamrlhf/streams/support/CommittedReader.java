package io.streamrlhf.streams.support;

import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.schemas.topic.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads every committed record of some topics from the beginning ({@code read_committed}, no group), keeping the
 * decoded values per topic. Call {@link #poll()} from an Awaitility condition.
 */
public final class CommittedReader implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, Function<byte[], ?>> decoders;
    private final Map<String, List<Object>> values = new java.util.HashMap<>();

    public CommittedReader(String bootstrapServers, Map<String, Function<byte[], ?>> decoders) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.decoders = decoders;
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : decoders.keySet()) {
            consumer.partitionsFor(topic, Duration.ofSeconds(30))
                    .forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
            values.put(topic, new ArrayList<>());
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** A reader of the application's outputs: KTO examples, DPO pairs and dead letters, decoded. */
    public static CommittedReader ofOutputs(String bootstrapServers, Topics topics) {
        Map<String, Function<byte[], ?>> decoders = new java.util.HashMap<>();
        for (Topic<?, ?> topic : List.of(topics.ktoExamples(), topics.dpoPairs(), topics.deadLetters())) {
            decoders.put(topic.name(), b -> topic.valueSerde().deserializer().deserialize(topic.name(), b));
        }
        return new CommittedReader(bootstrapServers, decoders);
    }

    /** Reads what is committed so far, up to the current end of every partition. */
    public void poll() {
        Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
        long deadline = System.currentTimeMillis() + 5_000;
        while (System.currentTimeMillis() < deadline
                && end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                values.get(r.topic()).add(decoders.get(r.topic()).apply(r.value()));
            }
        }
    }

    /** Every value read from {@code topic} so far, in order per partition. */
    @SuppressWarnings("unchecked")
    public <V> List<V> values(String topic) {
        return (List<V>) values.get(topic);
    }

    @Override
    public void close() {
        consumer.close();
    }
}

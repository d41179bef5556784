package io.streamrlhf.app.dashboard;

import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.schemas.topic.Topics;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** What the dashboard's integration tests do to a broker: create topics, produce typed records, commit offsets. */
final class TestKafka {

    private TestKafka() {}

    /** Every data topic, one partition each. */
    static void createTopics(String bootstrapServers, Topics topics) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            admin.createTopics(topics.all().stream()
                            .map(t -> new NewTopic(t.name(), 1, (short) 1))
                            .toList())
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
    }

    /** A plain producer of bytes; {@link #send} serializes with the topic's own serdes. */
    static KafkaProducer<byte[], byte[]> producer(String bootstrapServers) {
        return new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers, ProducerConfig.LINGER_MS_CONFIG, 5),
                new ByteArraySerializer(),
                new ByteArraySerializer());
    }

    /** Sends one record and waits for the broker's acknowledgement. */
    static <K, V> void send(KafkaProducer<byte[], byte[]> producer, Topic<K, V> topic, K key, V value)
            throws Exception {
        producer.send(new ProducerRecord<>(
                        topic.name(),
                        topic.keySerde().serializer().serialize(topic.name(), key),
                        topic.valueSerde().serializer().serialize(topic.name(), value)))
                .get(30, TimeUnit.SECONDS);
    }

    /** Commits {@code offset} on {@code partition} for {@code group}, as a consumer that read that far would. */
    static void commit(String bootstrapServers, String group, TopicPartition partition, long offset) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                        ConsumerConfig.GROUP_ID_CONFIG, group),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.commitSync(Map.of(partition, new OffsetAndMetadata(offset)));
        }
    }
}

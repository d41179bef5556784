package io.streamrlhf.producers;

import io.streamrlhf.producers.client.ChatFeedbackClient;
import io.streamrlhf.producers.client.EventPublisher;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** A {@link MockProducer} with the real topics and serdes on an in-memory registry, for unit tests. */
public final class MockKafka {

    /** The fixed clock of every event written through this fixture. */
    public static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-27T12:00:00Z"), ZoneOffset.UTC);

    public final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    public final Topics topics = new Topics(TopicNames.defaults(), registry);
    public final MockProducer<byte[], byte[]> producer;
    public final EventPublisher publisher;

    public MockKafka(boolean autoComplete) {
        producer = new MockProducer<>(autoComplete, null, new ByteArraySerializer(), new ByteArraySerializer());
        publisher = new EventPublisher(producer);
    }

    /** A client on this fixture's producer. */
    public ChatFeedbackClient client() {
        return new ChatFeedbackClient(publisher, topics, CLOCK);
    }

    /** The records sent to {@code topic}, decoded, as key/value pairs. */
    public <V> List<KeyValue<V>> sent(Topic<String, V> topic) {
        return producer.history().stream()
                .filter(r -> r.topic().equals(topic.name()))
                .map(r -> decode(topic, r))
                .toList();
    }

    private static <V> KeyValue<V> decode(Topic<String, V> topic, ProducerRecord<byte[], byte[]> r) {
        return new KeyValue<>(
                topic.keySerde().deserializer().deserialize(topic.name(), r.key()),
                topic.valueSerde().deserializer().deserialize(topic.name(), r.value()));
    }

    /** A decoded record. */
    public record KeyValue<V>(String key, V value) {}
}

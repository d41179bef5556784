package io.streamrlhf.producers.client;

import io.streamrlhf.producers.config.ClientConfig;
import io.streamrlhf.schemas.topic.Topic;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One idempotent producer ({@code acks=all}, {@code enable.idempotence=true}) that writes typed events to any
 * {@link Topic} with a {@code String} key. Serializes with the topic's serdes on the caller's thread, so a
 * registry or schema problem fails the returned future before anything is sent; every failure surfaces as
 * a {@link PublishException} with a reason, never as a silent drop.
 */
public final class EventPublisher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EventPublisher.class);

    private final Producer<byte[], byte[]> producer;

    /** Wraps an existing producer (tests pass a {@code MockProducer}). */
    public EventPublisher(Producer<byte[], byte[]> producer) {
        this.producer = Objects.requireNonNull(producer, "producer");
    }

    /** Creates the idempotent producer described by {@code config}. */
    public static EventPublisher create(ClientConfig config) {
        return new EventPublisher(
                new KafkaProducer<>(producerProperties(config), new ByteArraySerializer(), new ByteArraySerializer()));
    }

    /**
     * The Kafka producer properties for {@code config}; fails when a {@code kafka.*} override would weaken
     * durability (idempotence off, or acks other than all).
     */
    public static Map<String, Object> producerProperties(ClientConfig config) {
        Map<String, Object> props = config.connection()
                .clientProperties(Map.of(
                        ProducerConfig.CLIENT_ID_CONFIG,
                        config.clientId(),
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        true,
                        ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION,
                        5,
                        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                        (int) config.deliveryTimeout().toMillis(),
                        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                        (int) config.requestTimeout().toMillis(),
                        ProducerConfig.MAX_BLOCK_MS_CONFIG,
                        config.maxBlock().toMillis(),
                        ProducerConfig.LINGER_MS_CONFIG,
                        (int) config.linger().toMillis(),
                        ProducerConfig.BUFFER_MEMORY_CONFIG,
                        config.bufferBytes()));
        String idempotence = String.valueOf(props.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG));
        String acks = String.valueOf(props.get(ProducerConfig.ACKS_CONFIG)).toLowerCase(Locale.ROOT);
        if (!idempotence.equalsIgnoreCase("true") || !(acks.equals("all") || acks.equals("-1"))) {
            throw new IllegalArgumentException("Feedback events need an idempotent producer with acks=all; remove "
                    + "kafka.enable.idempotence / kafka.acks overrides (found enable.idempotence=" + idempotence
                    + ", acks=" + acks + ")");
        }
        return props;
    }

    /**
     * Writes {@code value} under {@code key} to {@code topic}. The future completes when the write is
     * acknowledged by all in-sync replicas, or exceptionally with a {@link PublishException}.
     */
    public <V> CompletableFuture<RecordMetadata> send(Topic<String, V> topic, String key, V value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        CompletableFuture<RecordMetadata> result = new CompletableFuture<>();
        try {
            byte[] keyBytes = topic.keySerde().serializer().serialize(topic.name(), key);
            byte[] valueBytes = topic.valueSerde().serializer().serialize(topic.name(), value);
            producer.send(new ProducerRecord<>(topic.name(), keyBytes, valueBytes), (metadata, error) -> {
                if (error == null) {
                    result.complete(metadata);
                } else {
                    PublishException failure = PublishException.of(describe(topic, key), error);
                    log.warn("Write to {} key {} failed: {}", topic.name(), key, failure.reason(), error);
                    result.completeExceptionally(failure);
                }
            });
        } catch (RuntimeException e) {
            PublishException failure = PublishException.of(describe(topic, key), e);
            log.warn("Write to {} key {} refused before sending: {}", topic.name(), key, failure.reason(), e);
            result.completeExceptionally(failure);
        }
        return result;
    }

    /** Sends everything buffered and waits for the acknowledgements. */
    public void flush() {
        producer.flush();
    }

    /** Flushes and closes the producer. */
    @Override
    public void close() {
        producer.close();
    }

    private static String describe(Topic<?, ?> topic, String key) {
        return topic.name() + " key " + key;
    }
}

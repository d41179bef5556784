package io.streamrlhf.trainer.canary;

import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.schemas.topic.Topic;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * The canary decisions topic read by the trainer: {@code read_committed}, from the beginning, no consumer group
 * (like the samplers' follower), so every start rebuilds the same state from the log. Used from the training
 * thread only.
 */
public final class DecisionLog implements AutoCloseable {

    private final KafkaConsumer<String, CanaryDecision> consumer;

    /** Opens the topic from its beginning. */
    public DecisionLog(String bootstrapServers, Map<String, ?> overrides, Topic<String, CanaryDecision> topic) {
        this.consumer = topic.replayingConsumer(bootstrapServers, Map.<String, Object>copyOf(overrides));
    }

    /** Every decision up to the end offsets as of now, in log order. */
    public List<CanaryDecision> readToEnd(Duration timeout) {
        Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment(), timeout);
        Instant deadline = Instant.now().plus(timeout);
        List<CanaryDecision> out = new ArrayList<>();
        while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("could not read the canary decisions to their end within " + timeout);
            }
            collect(consumer.poll(Duration.ofMillis(200)), out);
        }
        return out;
    }

    /** Decisions committed since the last call, without waiting for new ones. */
    public List<CanaryDecision> poll() {
        List<CanaryDecision> out = new ArrayList<>();
        if (consumer.assignment().isEmpty()) {
            // The topic did not exist when the trainer started (no canary controller yet): nothing to follow.
            return out;
        }
        collect(consumer.poll(Duration.ZERO), out);
        return out;
    }

    private static void collect(Iterable<ConsumerRecord<String, CanaryDecision>> records, List<CanaryDecision> out) {
        for (ConsumerRecord<String, CanaryDecision> r : records) {
            if (r.value() != null) {
                out.add(r.value());
            }
        }
    }

    @Override
    public void close() {
        consumer.close(Duration.ZERO);
    }
}

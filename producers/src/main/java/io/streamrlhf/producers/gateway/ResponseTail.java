package io.streamrlhf.producers.gateway;

import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.producers.config.KafkaConnection;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.schemas.util.Backoff;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tails {@code rlhf.responses} into {@link RecentResponses}, so the gateway knows responses recorded any way
 * (Java client, sampler, another gateway instance) and still knows them after a restart. Joins no consumer group:
 * it assigns every partition and starts {@code capacity / partitions} records before each end.
 * Like every {@link TopicTail} it never dies on bad input or an outage.
 */
final class ResponseTail extends TopicTail<ResponseGenerated> {

    private static final Logger log = LoggerFactory.getLogger(ResponseTail.class);

    private final RecentResponses recent;
    private final int capacity;

    ResponseTail(
            KafkaConnection connection,
            Topic<String, ResponseGenerated> responses,
            RecentResponses recent,
            int capacity) {
        this(connection, responses, recent, capacity, new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10)));
    }

    ResponseTail(
            KafkaConnection connection,
            Topic<String, ResponseGenerated> responses,
            RecentResponses recent,
            int capacity,
            Backoff backoff) {
        super(
                new KafkaConsumer<>(
                        connection.clientProperties(Map.of(
                                ConsumerConfig.CLIENT_ID_CONFIG,
                                "streamrlhf-gateway-tail",
                                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                                false,
                                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                                "read_committed",
                                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG,
                                false)),
                        responses.keySerde().deserializer(),
                        responses.valueSerde().deserializer()),
                responses.name(),
                backoff,
                "Response tail of " + responses.name(),
                "response");
        this.recent = Objects.requireNonNull(recent, "recent");
        this.capacity = capacity;
    }

    /** Positions every partition {@code capacity / partitions} records before its end. */
    @Override
    protected void position(List<TopicPartition> partitions) {
        long backlog = Math.max(1, capacity / partitions.size());
        Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, Duration.ofSeconds(10));
        consumer.endOffsets(partitions, Duration.ofSeconds(10))
                .forEach((tp, end) -> consumer.seek(tp, Math.max(begin.getOrDefault(tp, 0L), end - backlog)));
        log.info("Tailing {} ({} partitions) for known response ids", topic, partitions.size());
    }

    @Override
    protected void accept(ConsumerRecords<String, ResponseGenerated> records) {
        for (ConsumerRecord<String, ResponseGenerated> r : records) {
            if (r.value() != null) {
                recent.remember(r.value().getResponseId(), r.value().getPromptId());
            }
        }
    }
}

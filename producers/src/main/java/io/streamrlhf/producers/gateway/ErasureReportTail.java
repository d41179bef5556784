package io.streamrlhf.producers.gateway;

import io.streamrlhf.avro.ErasureReport;
import io.streamrlhf.producers.config.KafkaConnection;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.schemas.util.Backoff;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Tails the compacted erasure-reports topic from its start, keeping the latest report per user id, so that
 * {@code GET /v1/users/{id}/erasure} answers from memory. Joins no consumer group; reads committed reports only.
 * Like every {@link TopicTail} it never dies on bad input or an outage. Memory: one report per erased user.
 */
final class ErasureReportTail extends TopicTail<ErasureReport> {

    private final Map<String, ErasureReport> latest = new ConcurrentHashMap<>();

    ErasureReportTail(KafkaConnection connection, Topic<String, ErasureReport> reports) {
        super(
                new KafkaConsumer<>(
                        connection.clientProperties(Map.of(
                                ConsumerConfig.CLIENT_ID_CONFIG,
                                "streamrlhf-gateway-erasure-reports",
                                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                                false,
                                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                                "read_committed",
                                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG,
                                false)),
                        reports.keySerde().deserializer(),
                        reports.valueSerde().deserializer()),
                reports.name(),
                new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10)),
                "Erasure-report tail of " + reports.name(),
                "erasure report");
    }

    /** The latest report for {@code userId} (as events carry it), if one was read. */
    Optional<ErasureReport> latest(String userId) {
        return Optional.ofNullable(latest.get(userId));
    }

    @Override
    protected void position(List<TopicPartition> partitions) {
        consumer.seekToBeginning(partitions);
    }

    @Override
    protected void accept(ConsumerRecords<String, ErasureReport> records) {
        for (ConsumerRecord<String, ErasureReport> r : records) {
            if (r.key() == null) {
                continue;
            }
            if (r.value() == null) {
                latest.remove(r.key());
            } else {
                latest.put(r.key(), r.value());
            }
        }
    }
}

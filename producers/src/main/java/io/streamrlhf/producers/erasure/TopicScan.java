package io.streamrlhf.producers.erasure;

import io.streamrlhf.avro.RetainedRange;
import io.streamrlhf.schemas.serde.RecordDecodeException;
import io.streamrlhf.schemas.topic.Topic;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every partition of one topic from its log start to the end it had when the scan began, with a consumer of
 * raw bytes that reads committed records only and joins no group. A record bad in itself is logged with its
 * coordinates and skipped; a record that cannot be decoded because the registry cannot be asked fails the scan (the
 * reporter is then restarted and scans again), so an outage never makes a report silently miss an example.
 */
final class TopicScan {

    /** Receives each decoded record with its coordinates. */
    @FunctionalInterface
    interface Visitor<V> {
        /** Called once per decoded, non-null record, in offset order per partition. */
        void visit(V value, String topic, int partition, long offset);
    }

    private static final Logger log = LoggerFactory.getLogger(TopicScan.class);

    private TopicScan() {}

    /**
     * Scans {@code topic} with {@code consumer} (assigned here; its assignment is replaced) and returns how far back
     * each partition reached.
     *
     * @throws TimeoutException when the scan does not reach the end within {@code timeout}
     */
    static <V> List<RetainedRange> scan(
            Consumer<byte[], byte[]> consumer, Topic<String, V> topic, Duration timeout, Visitor<V> visitor)
            throws TimeoutException {
        List<PartitionInfo> infos = consumer.partitionsFor(topic.name(), Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) {
            throw new TimeoutException("topic " + topic.name() + " has no partitions (create the topics first)");
        }
        List<TopicPartition> partitions = infos.stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .sorted(java.util.Comparator.comparingInt(TopicPartition::partition))
                .toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, Duration.ofSeconds(30));
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
        Map<TopicPartition, Instant> earliest = new HashMap<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!reachedEnd(consumer, partitions, end)) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("scan of " + topic.name() + " did not reach its end within " + timeout);
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                if (r.offset() >= end.get(tp)) {
                    continue; // written after the scan began: the next scan sees it
                }
                earliest.putIfAbsent(tp, Instant.ofEpochMilli(r.timestamp()));
                if (r.value() == null) {
                    continue;
                }
                V value;
                try {
                    value = topic.valueSerde().deserializer().deserialize(r.topic(), r.value());
                } catch (RecordDecodeException e) {
                    if (e.reason() == RecordDecodeException.Reason.REGISTRY_UNAVAILABLE) {
                        throw e.at(r.partition(), r.offset());
                    }
                    log.warn(
                            "Skipping an undecodable record at {}-{}@{} ({})",
                            r.topic(),
                            r.partition(),
                            r.offset(),
                            e.reason());
                    continue;
                }
                visitor.visit(value, r.topic(), r.partition(), r.offset());
            }
        }
        List<RetainedRange> ranges = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            ranges.add(RetainedRange.newBuilder()
                    .setTopic(tp.topic())
                    .setPartition(tp.partition())
                    .setEarliestOffset(Objects.requireNonNullElse(begin.get(tp), 0L))
                    .setEarliestTime(earliest.get(tp))
                    .setEndOffset(end.get(tp))
                    .build());
        }
        return ranges;
    }

    private static boolean reachedEnd(
            Consumer<byte[], byte[]> consumer, List<TopicPartition> partitions, Map<TopicPartition, Long> end) {
        for (TopicPartition tp : partitions) {
            if (consumer.position(tp, Duration.ofSeconds(30)) < end.get(tp)) {
                return false;
            }
        }
        return true;
    }
}

package io.streamrlhf.bench.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentSkipListSet;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Notes when committed records arrive on the KTO examples topic and on the versions topic ({@code read_committed},
 * from their ends at start), so that a recovery can be timed to the next example or version as well as to
 * readiness. The consumer rides out broker restarts on its own.
 */
final class ProgressTail implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String examplesTopic;
    private final ConcurrentSkipListSet<Long> examples = new ConcurrentSkipListSet<>();
    private final ConcurrentSkipListSet<Long> versions = new ConcurrentSkipListSet<>();
    private final Thread thread;
    private volatile boolean running = true;

    ProgressTail(String bootstrapServers, String examplesTopic, String versionsTopic) {
        this.examplesTopic = examplesTopic;
        consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        List<TopicPartition> parts = new ArrayList<>();
        for (String topic : List.of(examplesTopic, versionsTopic)) {
            for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                parts.add(new TopicPartition(topic, p.partition()));
            }
        }
        consumer.assign(parts);
        consumer.seekToEnd(parts);
        thread = new Thread(this::poll, "chaos-progress-tail");
        thread.setDaemon(true);
        thread.start();
    }

    private void poll() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    long now = System.nanoTime();
                    (r.topic().equals(examplesTopic) ? examples : versions).add(now);
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    /** When the first example arrived after {@code nanos} (System.nanoTime), if one did. */
    OptionalLong firstExampleAfter(long nanos) {
        Long t = examples.higher(nanos);
        return t == null ? OptionalLong.empty() : OptionalLong.of(t);
    }

    /** When the first version arrived after {@code nanos} (System.nanoTime), if one did. */
    OptionalLong firstVersionAfter(long nanos) {
        Long t = versions.higher(nanos);
        return t == null ? OptionalLong.empty() : OptionalLong.of(t);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(5000);
    }
}

package io.streamrlhf.app.pipeline;

import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.schemas.monitor.VersionStats;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.streams.monitor.MonitorQuery;
import io.streamrlhf.trainer.publish.VersionExamples;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;

/**
 * Prints one line per committed policy version: when, its parent, how many example records it absorbed (the
 * trainer's count; the offsets its lineage spans for a version without one), its loss, and the thumbs-up rate users gave the rollouts of its parent (from the streams monitor,
 * with the Wilson interval), which is the freshest judgement of the policy it replaced.
 */
public final class VersionProgress implements Runnable, AutoCloseable {

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

    private final KafkaConsumer<String, PolicyVersion> consumer;
    private final Optional<MonitorQuery> monitor;
    private final PrintWriter out;
    private final AtomicBoolean running = new AtomicBoolean(true);

    public VersionProgress(
            String bootstrapServers,
            Map<String, String> kafkaOverrides,
            Topic<String, PolicyVersion> topic,
            Optional<MonitorQuery> monitor,
            PrintWriter out) {
        this.monitor = monitor;
        this.out = out;
        this.consumer = topic.replayingConsumer(bootstrapServers, Map.copyOf(kafkaOverrides));
    }

    @Override
    public void run() {
        try {
            while (running.get()) {
                for (ConsumerRecord<String, PolicyVersion> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.value() != null) {
                        out.println(describe(record.value()));
                        out.flush();
                    }
                }
            }
        } catch (WakeupException e) {
            if (running.get()) {
                throw e;
            }
        } finally {
            consumer.close();
        }
    }

    String describe(PolicyVersion v) {
        // The records counted by the trainer: the lineage's offset ranges also span transaction markers.
        long counted = VersionExamples.consumed(v);
        long absorbed = counted >= 0 ? counted : VersionExamples.offsetsSpanned(v);
        StringBuilder line = new StringBuilder(String.format(
                Locale.ROOT,
                "%s  version %-4d %-10s parent %-4s examples %5d",
                TIME.format(v.getCreatedTime()),
                v.getVersion(),
                v.getStatus(),
                v.getParentVersion() == null ? "-" : v.getParentVersion().toString(),
                absorbed));
        Double loss = v.getMetrics().entrySet().stream()
                .filter(e -> e.getKey().startsWith("loss"))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElse(null);
        if (loss != null) {
            line.append(String.format(Locale.ROOT, "  loss %.3f", loss));
        }
        if (v.getParentVersion() != null) {
            monitor.flatMap(m -> stats(m, v.getParentVersion())).ifPresent(s -> {
                if (s.thumbsUpRate() != null) {
                    line.append(String.format(
                            Locale.ROOT,
                            "  thumbs-up on v%d rollouts %.0f%% [%.0f-%.0f%%] of %d",
                            v.getParentVersion(),
                            100 * s.thumbsUpRate(),
                            100 * s.thumbsUpLow(),
                            100 * s.thumbsUpHigh(),
                            s.thumbsUp() + s.thumbsDown()));
                }
            });
        }
        return line.toString();
    }

    private static Optional<VersionStats> stats(MonitorQuery monitor, long version) {
        try {
            return monitor.versions(0, Instant.now().toEpochMilli()).stream()
                    .filter(s -> s.policyVersion() == version)
                    .findFirst();
        } catch (RuntimeException e) {
            // The store is briefly unavailable during a rebalance; the line is printed without the rate.
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
    }
}

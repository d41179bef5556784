package io.streamrlhf.app.dashboard;

import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.avro.CanaryEvidence;
import io.streamrlhf.avro.DeadLetter;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.avro.TrainerMetrics;
import io.streamrlhf.schemas.topic.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads policy versions, trainer metrics, canary decisions and evidence, and dead letters from the beginning into the {@link DashboardState},
 * on one thread, with a consumer that joins no group (partitions assigned by hand and re-discovered
 * periodically, so topics created after the dashboard starts, or grown, are picked up) and reads only
 * committed records. Values are decoded here rather than by the consumer, so one undecodable record is
 * counted and skipped instead of stopping the feed.
 */
final class RecordFeed implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RecordFeed.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(5);

    private final Map<String, Object> consumerProps;
    private final DashboardState state;
    private final Duration discoveryInterval;
    private final Map<String, Handler<?>> handlers = new HashMap<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable failure;
    private volatile KafkaConsumer<byte[], byte[]> consumer;

    private record Handler<V>(Deserializer<V> deserializer, Consumer<V> sink) {
        void accept(String topic, byte[] value) {
            sink.accept(deserializer.deserialize(topic, value));
        }
    }

    /**
     * @param clientProps bootstrap servers and any security settings; the consumer settings are added here
     */
    RecordFeed(Map<String, Object> clientProps, Topics topics, DashboardState state, Duration discoveryInterval) {
        this.consumerProps = new HashMap<>(clientProps);
        consumerProps.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "streamrlhf-dashboard");
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerProps.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerProps.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.state = state;
        this.discoveryInterval = discoveryInterval;
        handlers.put(
                topics.policyVersions().name(),
                new Handler<PolicyVersion>(
                        topics.policyVersions().valueSerde().deserializer(), state::onPolicyVersion));
        handlers.put(
                topics.trainerMetrics().name(),
                new Handler<TrainerMetrics>(
                        topics.trainerMetrics().valueSerde().deserializer(), state::onTrainerMetrics));
        handlers.put(
                topics.policyDecisions().name(),
                new Handler<CanaryDecision>(
                        topics.policyDecisions().valueSerde().deserializer(), state::onCanaryDecision));
        handlers.put(
                topics.canaryEvidence().name(),
                new Handler<CanaryEvidence>(
                        topics.canaryEvidence().valueSerde().deserializer(), state::onCanaryEvidence));
        handlers.put(
                topics.deadLetters().name(),
                new Handler<DeadLetter>(topics.deadLetters().valueSerde().deserializer(), state::onDeadLetter));
        this.thread = new Thread(this::run, "dashboard-records");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Why the feed's thread ended on its own, if it did: the page then shows stale data. */
    java.util.Optional<Throwable> failure() {
        return java.util.Optional.ofNullable(failure);
    }

    private void run() {
        try (KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer = c;
            Set<TopicPartition> assigned = new HashSet<>();
            long nextDiscovery = 0;
            while (running) {
                try {
                    if (System.currentTimeMillis() >= nextDiscovery) {
                        discover(c, assigned);
                        nextDiscovery = System.currentTimeMillis() + discoveryInterval.toMillis();
                    }
                    if (assigned.isEmpty()) {
                        waitForTopics(nextDiscovery);
                        continue;
                    }
                    for (ConsumerRecord<byte[], byte[]> record : c.poll(POLL)) {
                        dispatch(record);
                    }
                    state.onKafkaStatus("ok", null);
                } catch (WakeupException e) {
                    // close() woke us: the loop condition ends the feed.
                } catch (KafkaException e) {
                    log.warn("Dashboard feed: Kafka error, retrying", e);
                    state.onKafkaStatus("error", e.getClass().getSimpleName() + ": " + e.getMessage());
                    waitForTopics(System.currentTimeMillis() + discoveryInterval.toMillis());
                }
            }
        } catch (RuntimeException | Error e) {
            log.error("Dashboard feed stopped", e);
            state.onKafkaStatus("error", "feed stopped: " + e.getMessage());
            if (running) {
                failure = e;
            }
            throw e;
        } finally {
            consumer = null;
        }
    }

    private void discover(KafkaConsumer<byte[], byte[]> c, Set<TopicPartition> assigned) {
        List<TopicPartition> added = new ArrayList<>();
        for (String topic : handlers.keySet()) {
            List<PartitionInfo> infos = c.partitionsFor(topic, METADATA_TIMEOUT);
            if (infos == null) {
                continue;
            }
            for (PartitionInfo info : infos) {
                TopicPartition tp = new TopicPartition(info.topic(), info.partition());
                if (assigned.add(tp)) {
                    added.add(tp);
                }
            }
        }
        if (!added.isEmpty()) {
            c.assign(assigned);
            c.seekToBeginning(added);
            log.info("Dashboard feed reading {} from the beginning", added);
        }
        if (assigned.isEmpty()) {
            state.onKafkaStatus("ok", null);
        }
    }

    private void dispatch(ConsumerRecord<byte[], byte[]> record) {
        Handler<?> handler = handlers.get(record.topic());
        if (handler == null || record.value() == null) {
            return;
        }
        try {
            handler.accept(record.topic(), record.value());
        } catch (RuntimeException e) {
            state.onUndecodable();
            log.warn(
                    "Dashboard cannot decode {}-{}@{}, skipped",
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    e);
        }
    }

    private void waitForTopics(long untilMs) {
        try {
            long left = untilMs - System.currentTimeMillis();
            if (left > 0 && running) {
                synchronized (this) {
                    wait(left);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    @Override
    public void close() {
        running = false;
        synchronized (this) {
            notifyAll();
        }
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(Duration.ofSeconds(10).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("Dashboard feed thread did not stop within 10 s");
        }
    }
}

package io.streamrlhf.producers.client;

import io.streamrlhf.avro.ErasureReport;
import io.streamrlhf.producers.config.ClientConfig;
import io.streamrlhf.producers.config.UserPseudonyms;
import io.streamrlhf.schemas.registry.SchemaRegistryClient;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.schemas.topic.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads erasure reports (see docs/privacy.md) from the compacted reports topic, committed ones only, without a
 * consumer group: the client-side counterpart of {@code GET /v1/users/{userId}/erasure}. User ids are taken as the
 * chat product knows them and written as {@link ChatFeedbackClient} writes them (pseudonymised when
 * {@code client.user.id.secret} is set; a tenant prefix, as the gateway adds it, is the caller's).
 */
public final class ErasureReportReader implements AutoCloseable {

    private final Topic<String, ErasureReport> topic;
    private final UserPseudonyms userIds;
    private final KafkaConsumer<String, ErasureReport> consumer;
    private SchemaRegistryClient ownedRegistry;

    /** A reader with its own registry client, closed with it. */
    public static ErasureReportReader connect(ClientConfig config) {
        SchemaRegistryClient registry = config.connection().openRegistry();
        try {
            ErasureReportReader reader = new ErasureReportReader(config, registry);
            reader.ownedRegistry = registry;
            return reader;
        } catch (RuntimeException e) {
            registry.close();
            throw e;
        }
    }

    /** A reader of the reports topic named in {@code config}, decoding with {@code registry}. */
    public ErasureReportReader(ClientConfig config, SchemaRegistryClient registry) {
        this.topic = new Topics(config.connection().topics(), registry).erasureReports();
        this.userIds = Objects.requireNonNull(config.userIds(), "userIds");
        this.consumer = new KafkaConsumer<>(
                config.connection()
                        .clientProperties(Map.of(
                                ConsumerConfig.CLIENT_ID_CONFIG,
                                config.clientId() + "-erasure-reports",
                                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                                false,
                                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                                "read_committed",
                                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG,
                                false)),
                topic.keySerde().deserializer(),
                topic.valueSerde().deserializer());
    }

    /** The latest report for {@code userId} now on the topic, if any. */
    public Optional<ErasureReport> latest(String userId) {
        return await(userId, null, Duration.ZERO);
    }

    /**
     * Waits up to {@code timeout} for the report answering {@code requestId} (any report when null) for
     * {@code userId}; reads the topic from its start, so a report written before the call is found at once.
     */
    public Optional<ErasureReport> await(String userId, String requestId, Duration timeout) {
        String key = userIds.apply(Objects.requireNonNull(userId, "userId"));
        List<PartitionInfo> infos = consumer.partitionsFor(topic.name(), Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException(
                    "topic " + topic.name() + " does not exist: run `streamrlhf topics create` first");
        }
        List<TopicPartition> partitions = infos.stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
        long deadline = System.nanoTime() + timeout.toNanos();
        ErasureReport latest = null;
        while (true) {
            for (ConsumerRecord<String, ErasureReport> r : consumer.poll(Duration.ofMillis(200))) {
                if (key.equals(r.key())) {
                    latest = r.value(); // null: a tombstone removed the report
                }
            }
            boolean caughtUp =
                    partitions.stream().allMatch(tp -> consumer.position(tp, Duration.ofSeconds(30)) >= end.get(tp));
            boolean answered = latest != null && (requestId == null || requestId.equals(latest.getRequestId()));
            if (caughtUp && (answered || System.nanoTime() >= deadline)) {
                return answered || requestId == null ? Optional.ofNullable(latest) : Optional.empty();
            }
        }
    }

    @Override
    public void close() {
        consumer.close();
        if (ownedRegistry != null) {
            ownedRegistry.close();
        }
    }
}

package io.streamrlhf.streams.config;

import io.streamrlhf.schemas.registry.SchemaRegistryClient;
import io.streamrlhf.schemas.topic.TopicNames;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the streams application needs to run. Build it with {@link #fromProperties}; keys and defaults:
 *
 * <table>
 *   <caption>streams application keys</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code streams.applicationId}</td><td>{@code streamrlhf-streams}</td><td>Kafka Streams application id
 *       (consumer group, transactional id and internal topic prefix)</td></tr>
 *   <tr><td>{@code streams.bootstrapServers}</td><td>{@code localhost:9092}</td><td>Kafka bootstrap servers</td></tr>
 *   <tr><td>{@code streams.stateDir}</td><td>{@code <java.io.tmpdir>/streamrlhf-streams}</td><td>local state
 *       (RocksDB)</td></tr>
 *   <tr><td>{@code streams.threads}</td><td>1</td><td>stream threads</td></tr>
 *   <tr><td>{@code streams.commitInterval}</td><td>100ms</td><td>transaction commit interval (bounds output
 *       latency under exactly-once)</td></tr>
 *   <tr><td>{@code streams.producerLinger}</td><td>100ms</td><td>producer {@code linger.ms}. Under exactly-once a
 *       read_committed reader sees nothing before the commit, which flushes the producer, so a linger up to the
 *       commit interval adds no latency; it lets each commit send one batch per partition instead of one every few
 *       milliseconds</td></tr>
 *   <tr><td>{@code streams.producerBatchSize}</td><td>524288</td><td>producer {@code batch.size} in bytes (Kafka's
 *       default of 16384 splits a commit's changelog writes into many requests)</td></tr>
 *   <tr><td>{@code streams.createTopics}</td><td>true</td><td>create missing input, output and monitor topics on
 *       start</td></tr>
 *   <tr><td>{@code streams.topicPartitions}</td><td>3</td><td>partitions of topics it creates (inputs must share
 *       one count)</td></tr>
 *   <tr><td>{@code streams.replicationFactor}</td><td>1</td><td>replication of created and internal topics</td></tr>
 *   <tr><td>{@code streams.stateStore}</td><td>{@code ROCKSDB}</td><td>{@code ROCKSDB} or {@code IN_MEMORY}
 *       (see {@link StateStoreType})</td></tr>
 *   <tr><td>{@code streams.instanceId}</td><td>(none)</td><td>static group membership: this instance's
 *       {@code group.instance.id} (Kafka Streams adds each thread's index). An instance restarted with the same id,
 *       after a crash or {@code kill -9} too, takes its tasks back at once instead of waiting for the old member's
 *       session to time out; it must be unique among the application's instances. None: dynamic membership</td></tr>
 *   <tr><td>{@code streams.sessionTimeout}</td><td>45s</td><td>consumer {@code session.timeout.ms}: how long the
 *       group waits for a member that stopped without leaving (a crash) before it moves the member's tasks; must lie
 *       within the broker's {@code group.min.session.timeout.ms} and {@code group.max.session.timeout.ms} (6 s to 30
 *       min by default)</td></tr>
 *   <tr><td>{@code topic.*}</td><td>see {@link TopicNames#fromProperties}</td><td>topic names</td></tr>
 *   <tr><td>{@code kto.*}, {@code dpo.*}, {@code judge.*}, {@code validation.*}, {@code monitor.*}</td>
 *       <td>see {@link StreamsSettings}</td><td>thresholds</td></tr>
 * </table>
 *
 * @param applicationId Kafka Streams application id
 * @param bootstrapServers Kafka bootstrap servers
 * @param stateDir local state folder
 * @param registry the schema registry client every serde uses
 * @param topicNames topic names
 * @param settings thresholds of every topology
 * @param threads stream threads
 * @param commitInterval transaction commit interval
 * @param createTopics whether to create missing topics on start
 * @param topicPartitions partitions of created topics
 * @param replicationFactor replication of created and internal topics
 * @param stateStoreType where state stores keep their data
 * @param producerLinger producer linger
 * @param producerBatchSize producer batch size in bytes
 * @param instanceId static group membership id, or empty for dynamic membership
 * @param sessionTimeout how long the group waits for a member that stopped without leaving
 */
public record StreamsAppConfig(String applicationId, String bootstrapServers, Path stateDir,
                               SchemaRegistryClient registry, TopicNames topicNames, StreamsSettings settings,
                               int threads, Duration commitInterval, boolean createTopics, int topicPartitions,
                               int replicationFactor, StateStoreType stateStoreType, Duration producerLinger,
                               int producerBatchSize, String instanceId, Duration sessionTimeout) {

    public StreamsAppConfig {
        if (applicationId == null || !applicationId.matches("[a-zA-Z0-9._-]{1,200}")) {
            throw new IllegalArgumentException("streams.applicationId '" + applicationId
                    + "' must be 1-200 characters from [a-zA-Z0-9._-]");
        }
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("streams.bootstrapServers must name at least one host:port");
        }
        Objects.requireNonNull(stateDir, "streams.stateDir");
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(topicNames, "topicNames");
        Objects.requireNonNull(settings, "settings");
        if (threads < 1) {
            throw new IllegalArgumentException("streams.threads must be >= 1, got " + threads);
        }
        Durations.requirePositive("streams.commitInterval", commitInterval);
        if (topicPartitions < 1) {
            throw new IllegalArgumentException("streams.topicPartitions must be >= 1, got " + topicPartitions);
        }
        Objects.requireNonNull(stateStoreType, "streams.stateStore");
        Durations.requireNonNegative("streams.producerLinger", producerLinger);
        if (producerBatchSize < 0) {
            throw new IllegalArgumentException("streams.producerBatchSize must be >= 0, got " + producerBatchSize);
        }
        if (replicationFactor < 1) {
            throw new IllegalArgumentException("streams.replicationFactor must be >= 1, got " + replicationFactor);
        }
        Objects.requireNonNull(instanceId, "streams.instanceId");
        if (!instanceId.isEmpty() && !instanceId.matches("[a-zA-Z0-9._-]{1,200}")) {
            throw new IllegalArgumentException("streams.instanceId '" + instanceId
                    + "' must be empty (dynamic membership) or 1-200 characters from [a-zA-Z0-9._-]");
        }
        Durations.requirePositive("streams.sessionTimeout", sessionTimeout);
    }

    /** Reads every key listed above from {@code properties}, with the documented defaults. */
    public static StreamsAppConfig fromProperties(Map<String, String> properties, SchemaRegistryClient registry) {
        Props p = new Props(properties);
        return new StreamsAppConfig(
                p.string("streams.applicationId", "streamrlhf-streams"),
                p.string("streams.bootstrapServers", "localhost:9092"),
                Path.of(p.string("streams.stateDir",
                        Path.of(System.getProperty("java.io.tmpdir"), "streamrlhf-streams").toString())),
                registry,
                TopicNames.fromProperties(properties),
                StreamsSettings.fromProperties(properties),
                p.integer("streams.threads", 1),
                p.duration("streams.commitInterval", Duration.ofMillis(100)),
                p.bool("streams.createTopics", true),
                p.integer("streams.topicPartitions", 3),
                p.integer("streams.replicationFactor", 1),
                stateStoreType(p.string("streams.stateStore", StateStoreType.ROCKSDB.name())),
                p.duration("streams.producerLinger", Duration.ofMillis(100)),
                p.integer("streams.producerBatchSize", 512 * 1024),
                p.string("streams.instanceId", "").trim(),
                p.duration("streams.sessionTimeout", Duration.ofSeconds(45)));
    }

    private static StateStoreType stateStoreType(String value) {
        try {
            return StateStoreType.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("streams.stateStore='" + value + "' must be ROCKSDB or IN_MEMORY", e);
        }
    }

    /** A copy with other settings. */
    public StreamsAppConfig withSettings(StreamsSettings newSettings) {
        return new StreamsAppConfig(applicationId, bootstrapServers, stateDir, registry, topicNames, newSettings,
                threads, commitInterval, createTopics, topicPartitions, replicationFactor, stateStoreType,
                producerLinger, producerBatchSize, instanceId, sessionTimeout);
    }

    /** A copy with another state folder (a restarted instance that must restore from changelogs). */
    public StreamsAppConfig withStateDir(Path dir) {
        return new StreamsAppConfig(applicationId, bootstrapServers, dir, registry, topicNames, settings,
                threads, commitInterval, createTopics, topicPartitions, replicationFactor, stateStoreType,
                producerLinger, producerBatchSize, instanceId, sessionTimeout);
    }
}

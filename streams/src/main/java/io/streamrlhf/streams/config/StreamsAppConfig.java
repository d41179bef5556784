package io.streamrlhf.streams.config;

import io.streamrlhf.config.ClusterSettings;
import io.streamrlhf.config.Settings;
import io.streamrlhf.schemas.registry.SchemaRegistryClient;
import io.streamrlhf.schemas.topic.TopicLayout;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.TopicSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.GroupProtocol;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Everything the streams application needs to run. Build it with {@link #fromProperties}; its keys, defaults and
 * meanings are the {@link StreamsKeys}, plus {@code bootstrap.servers}, {@code topic.*} and
 * {@code topics.replication.factor} (for Kafka Streams' internal topics). The application does not create its
 * input and output topics: {@code streamrlhf topics create} (or {@code run} with {@code topics.create=true})
 * provisions them.
 * Static membership ({@code streams.instance.id}) and the session timeout ({@code streams.session.timeout}) decide how
 * fast a restarted instance gets its tasks back.
 *
 * @param applicationId Kafka Streams application id
 * @param bootstrapServers Kafka bootstrap servers
 * @param stateDir local state folder
 * @param registry the schema registry client every serde uses
 * @param topicNames topic names
 * @param settings thresholds of every topology
 * @param threads stream threads
 * @param commitInterval transaction commit interval
 * @param replicationFactor replication of internal topics
 * @param stateStoreType where state stores keep their data
 * @param producerLinger producer linger
 * @param producerBatchSize producer batch size in bytes
 * @param kafkaOverrides extra Kafka client properties ({@code kafka.*}, then {@code streams.kafka.*}), and the
 *     internal topics' {@code topic.min.insync.replicas} unless those name it
 * @param instanceId static group membership id, or empty for dynamic membership
 * @param sessionTimeout how long the group waits for a member that stopped without leaving (classic protocol only:
 *     under the streams protocol the broker's group configuration decides it)
 * @param groupProtocol the rebalance protocol: classic (client-side assignment) or streams (KIP-1071, the broker
 *     assigns tasks)
 */
public record StreamsAppConfig(
        String applicationId,
        String bootstrapServers,
        Path stateDir,
        SchemaRegistryClient registry,
        TopicNames topicNames,
        StreamsSettings settings,
        int threads,
        Duration commitInterval,
        int replicationFactor,
        StateStoreType stateStoreType,
        Duration producerLinger,
        int producerBatchSize,
        Map<String, String> kafkaOverrides,
        String instanceId,
        Duration sessionTimeout,
        GroupProtocol groupProtocol) {

    public StreamsAppConfig {
        if (applicationId == null || !applicationId.matches("[a-zA-Z0-9._-]{1,200}")) {
            throw new IllegalArgumentException(
                    "streams.application.id '" + applicationId + "' must be 1-200 characters from [a-zA-Z0-9._-]");
        }
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrap.servers must name at least one host:port");
        }
        Objects.requireNonNull(stateDir, "streams.state.dir");
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(topicNames, "topicNames");
        Objects.requireNonNull(settings, "settings");
        if (threads < 1) {
            throw new IllegalArgumentException("streams.threads must be >= 1, got " + threads);
        }
        Durations.requirePositive("streams.commit.interval", commitInterval);
        Objects.requireNonNull(stateStoreType, "streams.state.store");
        Durations.requireNonNegative("streams.producer.linger", producerLinger);
        if (producerBatchSize < 0) {
            throw new IllegalArgumentException("streams.producer.batch.size must be >= 0, got " + producerBatchSize);
        }
        if (replicationFactor < 1) {
            throw new IllegalArgumentException("topics.replication.factor must be >= 1, got " + replicationFactor);
        }
        kafkaOverrides = Map.copyOf(kafkaOverrides);
        Objects.requireNonNull(instanceId, "streams.instance.id");
        if (!instanceId.isEmpty() && !instanceId.matches("[a-zA-Z0-9._-]{1,200}")) {
            throw new IllegalArgumentException("streams.instance.id '" + instanceId
                    + "' must be empty (dynamic membership) or 1-200 characters from [a-zA-Z0-9._-]");
        }
        if (sessionTimeout == null || sessionTimeout.isNegative() || sessionTimeout.isZero()) {
            throw new IllegalArgumentException("streams.session.timeout must be positive, got " + sessionTimeout);
        }
        Objects.requireNonNull(groupProtocol, "streams.group.protocol");
    }

    /** Reads the keys listed above from {@code properties}, with the documented defaults. */
    public static StreamsAppConfig fromProperties(Map<String, String> properties, SchemaRegistryClient registry) {
        return new StreamsAppConfig(
                StreamsKeys.APPLICATION_ID.get(properties),
                ClusterSettings.BOOTSTRAP_SERVERS.get(properties),
                Path.of(StreamsKeys.STATE_DIR.get(properties)),
                registry,
                TopicNames.fromProperties(properties),
                StreamsSettings.fromProperties(properties),
                StreamsKeys.THREADS.get(properties),
                StreamsKeys.COMMIT_INTERVAL.get(properties),
                TopicSettings.REPLICATION_FACTOR.get(properties),
                StreamsKeys.STATE_STORE.get(properties),
                StreamsKeys.PRODUCER_LINGER.get(properties),
                StreamsKeys.PRODUCER_BATCH_SIZE.get(properties),
                withInternalTopicMinInsync(Settings.kafkaOverrides(properties, "streams"), properties),
                StreamsKeys.INSTANCE_ID.find(properties).map(String::trim).orElse(""),
                StreamsKeys.SESSION_TIMEOUT.get(properties),
                StreamsKeys.GROUP_PROTOCOL.get(properties));
    }

    /**
     * Kafka Streams creates its changelog and repartition topics itself; they get the same
     * {@code min.insync.replicas} as the provisioned topics unless {@code streams.kafka.topic.min.insync.replicas}
     * says otherwise, since a changelog that acknowledged a write on one replica can lose state a task then
     * restores without it.
     */
    private static Map<String, String> withInternalTopicMinInsync(
            Map<String, String> overrides, Map<String, String> properties) {
        String key = StreamsConfig.topicPrefix(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
        if (overrides.containsKey(key)) {
            return overrides;
        }
        Map<String, String> all = new HashMap<>(overrides);
        all.put(key, String.valueOf(TopicLayout.fromProperties(properties).minInsyncReplicas()));
        return all;
    }

    /** A copy with other settings. */
    public StreamsAppConfig withSettings(StreamsSettings newSettings) {
        return new StreamsAppConfig(
                applicationId,
                bootstrapServers,
                stateDir,
                registry,
                topicNames,
                newSettings,
                threads,
                commitInterval,
                replicationFactor,
                stateStoreType,
                producerLinger,
                producerBatchSize,
                kafkaOverrides,
                instanceId,
                sessionTimeout,
                groupProtocol);
    }

    /** A copy with another state folder (a restarted instance that must restore from changelogs). */
    public StreamsAppConfig withStateDir(Path dir) {
        return new StreamsAppConfig(
                applicationId,
                bootstrapServers,
                dir,
                registry,
                topicNames,
                settings,
                threads,
                commitInterval,
                replicationFactor,
                stateStoreType,
                producerLinger,
                producerBatchSize,
                kafkaOverrides,
                instanceId,
                sessionTimeout,
                groupProtocol);
    }
}

package io.streamrlhf.producers.config;

import io.streamrlhf.config.ClusterSettings;
import io.streamrlhf.config.Secrets;
import io.streamrlhf.config.Settings;
import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import io.streamrlhf.schemas.registry.SchemaRegistryClient;
import io.streamrlhf.schemas.topic.TopicNames;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.CommonClientConfigs;

/**
 * Where the Kafka cluster and the schema registry are, and how to talk to them.
 *
 * <p>Properties:
 * <ul>
 *   <li>{@code bootstrap.servers} (required)</li>
 *   <li>{@code schema.registry.url} (required)</li>
 *   <li>{@code schema.registry.basic.auth.user.info} (default none): {@code user:password} for a registry
 *       behind basic authentication</li>
 *   <li>{@code kafka.*}: passed to every Kafka client with the prefix removed, for security and tuning
 *       (for example {@code kafka.security.protocol=SASL_SSL}, {@code kafka.sasl.jaas.config=...});
 *       they override this module's defaults; {@code <component>.kafka.*} wins over them for one component</li>
 *   <li>{@code topic.*}: topic names, as read by {@link TopicNames#fromProperties}</li>
 * </ul>
 *
 * @param bootstrapServers Kafka {@code bootstrap.servers}
 * @param schemaRegistryUrl base URL of a Confluent-compatible schema registry
 * @param registryUserInfo {@code user:password} for the registry, or {@code null}
 * @param clientOverrides extra Kafka client properties (from {@code kafka.*})
 * @param topics topic names
 */
public record KafkaConnection(
        String bootstrapServers,
        String schemaRegistryUrl,
        String registryUserInfo,
        Map<String, String> clientOverrides,
        TopicNames topics) {

    /** Default bootstrap servers: a broker on this host. */
    public static final String DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:9092";
    /** Default schema registry: one on this host. */
    public static final String DEFAULT_REGISTRY_URL = "http://127.0.0.1:8081";
    /** Prefix of pass-through Kafka client properties. */
    public static final String KAFKA_PREFIX = "kafka.";

    /** Validates every field; fails fast naming the bad value and the fix. */
    public KafkaConnection {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(schemaRegistryUrl, "schemaRegistryUrl");
        Objects.requireNonNull(topics, "topics");
        if (bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrap.servers must not be blank: set it to host:port[,host:port]");
        }
        if (!schemaRegistryUrl.startsWith("http://") && !schemaRegistryUrl.startsWith("https://")) {
            throw new IllegalArgumentException(
                    "schema.registry.url must be an http(s) URL, was '" + schemaRegistryUrl + "'");
        }
        clientOverrides = Map.copyOf(clientOverrides == null ? Map.of() : clientOverrides);
    }

    /** A connection to {@code bootstrapServers} with the default registry URL, topic names and no overrides. */
    public static KafkaConnection of(String bootstrapServers) {
        return new KafkaConnection(bootstrapServers, DEFAULT_REGISTRY_URL, null, Map.of(), TopicNames.defaults());
    }

    /** Reads the connection from properties (see the class comment for keys and defaults). */
    public static KafkaConnection fromProperties(Map<String, String> props) {
        return new KafkaConnection(
                ClusterSettings.BOOTSTRAP_SERVERS.get(props),
                ClusterSettings.SCHEMA_REGISTRY_URL.get(props),
                ClusterSettings.SCHEMA_REGISTRY_USER_INFO.find(props).orElse(null),
                Settings.withPrefix(props, KAFKA_PREFIX),
                TopicNames.fromProperties(props));
    }

    /**
     * Reads the connection of one component: its client overrides are {@code kafka.*} with
     * {@code <component>.kafka.*} on top, so components sharing a JVM can use their own credentials.
     */
    public static KafkaConnection fromProperties(Map<String, String> props, String component) {
        KafkaConnection shared = fromProperties(props);
        return new KafkaConnection(
                shared.bootstrapServers,
                shared.schemaRegistryUrl,
                shared.registryUserInfo,
                Settings.kafkaOverrides(props, component),
                shared.topics);
    }

    /** The same connection with other topic names (unique topics per test or tenant). */
    public KafkaConnection withTopics(TopicNames names) {
        return new KafkaConnection(bootstrapServers, schemaRegistryUrl, registryUserInfo, clientOverrides, names);
    }

    /** The same connection with another registry URL (for example the embedded registry of a test). */
    public KafkaConnection withRegistryUrl(String url) {
        return new KafkaConnection(bootstrapServers, url, registryUserInfo, clientOverrides, topics);
    }

    /** A REST client for the configured schema registry; the caller closes it. */
    public SchemaRegistryClient openRegistry() {
        // The Kafka truststore also serves an https:// registry, as with every other component.
        Map<String, String> settings = new HashMap<>();
        clientOverrides.forEach((k, v) -> settings.put(KAFKA_PREFIX + k, v));
        settings.put(ClusterSettings.SCHEMA_REGISTRY_URL.name(), schemaRegistryUrl);
        if (registryUserInfo != null) {
            settings.put(ClusterSettings.SCHEMA_REGISTRY_USER_INFO.name(), registryUserInfo);
        }
        return new RestSchemaRegistryClient(RestSchemaRegistryClient.Config.fromSettings(settings));
    }

    /**
     * Kafka client properties: bootstrap servers, then {@code defaults}, then the {@code kafka.*} overrides.
     * Built only here, at the Kafka boundary.
     */
    public Map<String, Object> clientProperties(Map<String, Object> defaults) {
        Map<String, Object> props = new HashMap<>();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.putAll(defaults);
        props.putAll(clientOverrides);
        return props;
    }

    /** Secrets (registry user info, passwords and JAAS settings in overrides) are masked. */
    @Override
    public String toString() {
        Map<String, String> masked = new java.util.TreeMap<>();
        clientOverrides.forEach((k, v) -> masked.put(k, Secrets.mask(k, v)));
        return "KafkaConnection[bootstrapServers=" + bootstrapServers + ", schemaRegistryUrl=" + schemaRegistryUrl
                + ", registryUserInfo=" + (registryUserInfo == null ? "none" : "****") + ", clientOverrides=" + masked
                + ", topics=" + topics + "]";
    }
}

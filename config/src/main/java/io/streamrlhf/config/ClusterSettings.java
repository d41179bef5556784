package io.streamrlhf.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The settings every component shares: where the Kafka cluster and the schema registry are. */
public final class ClusterSettings {

    /** The one key for the cluster address, read by every component. */
    public static final Setting<String> BOOTSTRAP_SERVERS = Setting.string(
                    "bootstrap.servers",
                    null,
                    "the Kafka cluster every component uses, host:port[,host:port] (set by demo and up to the embedded broker)")
            .describedDefault("required for run and topics");
    /** The one key for the schema registry, read by every component. */
    public static final Setting<String> SCHEMA_REGISTRY_URL = Setting.string(
                    "schema.registry.url",
                    null,
                    "base URL of the Confluent-compatible schema registry (set by demo and up to the embedded one)")
            .describedDefault("required for run and topics")
            .requiring(u -> u.startsWith("http://") || u.startsWith("https://"), "an http:// or https:// URL");
    /** Basic-auth credentials of the registry. */
    public static final Setting<String> SCHEMA_REGISTRY_USER_INFO = Setting.string(
                    "schema.registry.basic.auth.user.info",
                    null,
                    "user:password for a registry behind basic authentication")
            .secret();

    /** The truststore of an {@code https://} registry with a private authority. */
    public static final Setting<String> SCHEMA_REGISTRY_TRUSTSTORE_LOCATION = Setting.string(
                    "schema.registry.ssl.truststore.location",
                    null,
                    "truststore file for an https:// schema registry whose certificate no default authority signed")
            .describedDefault("kafka.ssl.truststore.location, else the JDK's default authorities");
    /** Password of {@link #SCHEMA_REGISTRY_TRUSTSTORE_LOCATION}. */
    public static final Setting<String> SCHEMA_REGISTRY_TRUSTSTORE_PASSWORD = Setting.string(
                    "schema.registry.ssl.truststore.password", null, "password of the registry's truststore")
            .secret();
    /** Type of {@link #SCHEMA_REGISTRY_TRUSTSTORE_LOCATION}. */
    public static final Setting<String> SCHEMA_REGISTRY_TRUSTSTORE_TYPE = Setting.string(
                    "schema.registry.ssl.truststore.type", "PKCS12", "type of the registry's truststore, PKCS12 or JKS")
            .requiring(t -> t.equals("PKCS12") || t.equals("JKS"), "PKCS12 or JKS");

    /**
     * The registry settings a component may set for itself, as {@code <component>.<key>} over {@code <key>}
     * (like {@code <component>.kafka.*} over {@code kafka.*}): its own credentials, so that components sharing a
     * JVM each authenticate to the registry as themselves.
     */
    public static final List<Setting<String>> REGISTRY_COMPONENT_OVERRIDES = List.of(SCHEMA_REGISTRY_USER_INFO);

    /**
     * {@code map} as {@code component} sees it: each of {@link #REGISTRY_COMPONENT_OVERRIDES} taken from
     * {@code <component>.<key>} when set there, so the registry client built from the result
     * ({@code RestSchemaRegistryClient.Config.fromSettings}) carries the component's own credentials.
     */
    public static Map<String, String> forComponent(Map<String, String> map, String component) {
        Map<String, String> out = new HashMap<>(map);
        for (Setting<String> s : REGISTRY_COMPONENT_OVERRIDES) {
            String own = map.get(component + "." + s.name());
            if (own != null) {
                out.put(s.name(), own);
            }
        }
        return out;
    }

    /** Whether {@code map} sets one of {@link #REGISTRY_COMPONENT_OVERRIDES} for {@code component}. */
    public static boolean hasOwnRegistrySettings(Map<String, String> map, String component) {
        return REGISTRY_COMPONENT_OVERRIDES.stream().anyMatch(s -> map.containsKey(component + "." + s.name()));
    }

    /** Every key above. */
    public static final List<Setting<?>> ALL = List.of(
            BOOTSTRAP_SERVERS,
            SCHEMA_REGISTRY_URL,
            SCHEMA_REGISTRY_USER_INFO,
            SCHEMA_REGISTRY_TRUSTSTORE_LOCATION,
            SCHEMA_REGISTRY_TRUSTSTORE_PASSWORD,
            SCHEMA_REGISTRY_TRUSTSTORE_TYPE);

    private ClusterSettings() {}
}

package io.streamrlhf.config;

import java.util.List;

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

package io.streamrlhf.app.dashboard;

import io.streamrlhf.config.ClusterSettings;
import io.streamrlhf.config.ConfigException;
import io.streamrlhf.config.Settings;
import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import io.streamrlhf.schemas.registry.SchemaRegistryClient;
import io.streamrlhf.schemas.topic.TopicNames;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Settings of the live dashboard.
 *
 * <p>Keys read by {@link #from(Map, SchemaRegistryClient)} (every one optional; the defaults work on the
 * embedded local stack once {@code bootstrap.servers} points at its broker):
 * <ul>
 *   <li>{@code dashboard.bind}: address the HTTP server listens on (default {@value #DEFAULT_BIND}; use
 *       {@code 0.0.0.0} only behind something that authenticates, the page has no login)</li>
 *   <li>{@code dashboard.port}: port, 0 for any free one (default {@value #DEFAULT_PORT})</li>
 *   <li>{@code bootstrap.servers}: the Kafka cluster (required)</li>
 *   <li>{@code schema.registry.url}: read only by {@link #from(Map)}, which builds a REST registry client
 *       (required there)</li>
 *   <li>{@code topic.*}: topic names, as read by {@link TopicNames#fromProperties}</li>
 *   <li>{@code dashboard.monitor.url}: base URL of the streams version monitor, whose
 *       {@code /monitor/versions} and {@code /monitor/minutes} are polled and merged into the page (default
 *       {@value #DEFAULT_MONITOR_URL}, the monitor's default port; {@code none} turns it off)</li>
 *   <li>{@code dashboard.groups}: comma-separated consumer group ids whose lag is shown, or {@code *} for
 *       every consumer group on the cluster (default {@code *})</li>
 *   <li>{@code dashboard.poll.interval}: how often end offsets, group offsets and the monitor are read
 *       (default 2s)</li>
 *   <li>{@code dashboard.heartbeat.interval}: how often an idle event stream sends a heartbeat comment, which is
 *       also how soon a vanished browser is noticed (default 15s)</li>
 *   <li>{@code dashboard.monitor.token}: bearer token sent to the monitor when it asks for one
 *       ({@code monitor.http.token} on the streams side; default none)</li>
 *   <li>{@code kafka.*}, then {@code dashboard.kafka.*}: passed to the dashboard's Kafka clients with the prefix
 *       removed (security settings), overriding its own defaults</li>
 * </ul>
 *
 * @param bindAddress address the HTTP server binds
 * @param port HTTP port, 0 for a free one
 * @param bootstrapServers Kafka {@code bootstrap.servers}
 * @param registry schema registry used to decode versions, trainer metrics and dead letters
 * @param topics topic names
 * @param monitorUrl the version monitor's base URL, if any
 * @param watchedGroups consumer groups whose lag is shown; empty means every consumer group found
 * @param pollInterval period of offset and monitor polling
 * @param heartbeatInterval idle period after which the event stream sends a heartbeat
 * @param kafkaOverrides extra Kafka client properties
 * @param monitorToken bearer token sent to the monitor ({@code dashboard.monitor.token}); never printed
 */
public record DashboardConfig(
        String bindAddress,
        int port,
        String bootstrapServers,
        SchemaRegistryClient registry,
        TopicNames topics,
        Optional<URI> monitorUrl,
        List<String> watchedGroups,
        Duration pollInterval,
        Duration heartbeatInterval,
        Map<String, String> kafkaOverrides,
        Optional<String> monitorToken) {

    /** Default bind address: loopback only. */
    public static final String DEFAULT_BIND = "127.0.0.1";
    /** Default HTTP port. */
    public static final int DEFAULT_PORT = 8088;
    /** Default base URL of the streams version monitor. */
    public static final String DEFAULT_MONITOR_URL = "http://127.0.0.1:7071";
    /** Value of {@code dashboard.monitor.url} that turns the monitor off. */
    public static final String NO_MONITOR = "none";
    /** Default polling period in milliseconds. */
    public static final long DEFAULT_POLL_MS = 2000;
    /** Default heartbeat period in milliseconds. */
    public static final long DEFAULT_HEARTBEAT_MS = 15000;
    /** Value of {@code dashboard.groups} that watches every consumer group. */
    public static final String ALL_GROUPS = "*";

    public DashboardConfig {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(monitorUrl, "monitorUrl");
        if (bindAddress == null || bindAddress.isBlank()) {
            throw new IllegalArgumentException("dashboard.bind must be an address such as 127.0.0.1");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("dashboard.port must be 0 (any free port) or 1-65535, got " + port);
        }
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException(
                    "bootstrap.servers must be host:port[,host:port], got '" + bootstrapServers + "'");
        }
        monitorUrl.ifPresent(url -> {
            if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme()) || url.getHost() == null) {
                throw new IllegalArgumentException("dashboard.monitor.url must be an absolute http(s) URL such as "
                        + DEFAULT_MONITOR_URL + ", or 'none'; got '" + url + "'");
            }
        });
        watchedGroups = List.copyOf(Objects.requireNonNull(watchedGroups, "watchedGroups"));
        for (String group : watchedGroups) {
            if (group.isBlank() || group.equals(ALL_GROUPS)) {
                throw new IllegalArgumentException(
                        "dashboard.groups lists group ids, or is exactly '*' for all; got " + watchedGroups);
            }
        }
        requirePositive("dashboard.poll.interval", pollInterval);
        requirePositive("dashboard.heartbeat.interval", heartbeatInterval);
        kafkaOverrides = Map.copyOf(Objects.requireNonNull(kafkaOverrides, "kafkaOverrides"));
        monitorToken = Objects.requireNonNull(monitorToken, "monitorToken").filter(t -> !t.isBlank());
    }

    /**
     * A dashboard on {@code bootstrapServers}, on a free port, without a monitor, every other setting at its
     * default (tests and embedded wiring, which add the monitor with {@link #withMonitorUrl}).
     */
    public static DashboardConfig local(String bootstrapServers, SchemaRegistryClient registry, TopicNames topics) {
        return new DashboardConfig(
                DEFAULT_BIND,
                0,
                bootstrapServers,
                registry,
                topics,
                Optional.empty(),
                List.of(),
                Duration.ofMillis(DEFAULT_POLL_MS),
                Duration.ofMillis(DEFAULT_HEARTBEAT_MS),
                Map.of(),
                Optional.empty());
    }

    /**
     * Reads the settings (see the class comment for keys and defaults), decoding with {@code registry}: the
     * local stack passes its own registry client.
     */
    public static DashboardConfig from(Map<String, String> props, SchemaRegistryClient registry) {
        Objects.requireNonNull(props, "props");
        String monitor = DashboardKeys.MONITOR_URL.get(props);
        String groups = DashboardKeys.GROUPS.get(props);
        URI monitorUrl;
        try {
            monitorUrl = monitor.isEmpty() || monitor.equals(NO_MONITOR) ? null : URI.create(monitor);
        } catch (IllegalArgumentException e) {
            throw ConfigException.badValue(DashboardKeys.MONITOR_URL.name(), monitor, "an http(s) URL or none");
        }
        return new DashboardConfig(
                DashboardKeys.BIND.get(props),
                DashboardKeys.PORT.get(props),
                ClusterSettings.BOOTSTRAP_SERVERS.get(props),
                registry,
                TopicNames.fromProperties(props),
                Optional.ofNullable(monitorUrl),
                groups.equals(ALL_GROUPS)
                        ? List.of()
                        : Arrays.stream(groups.split(","))
                                .map(String::trim)
                                .filter(g -> !g.isEmpty())
                                .toList(),
                DashboardKeys.POLL_INTERVAL.get(props),
                DashboardKeys.HEARTBEAT_INTERVAL.get(props),
                Settings.kafkaOverrides(props, "dashboard"),
                DashboardKeys.MONITOR_TOKEN.ifSet(props));
    }

    /**
     * Reads the settings and builds a REST client for the registry at {@code schema.registry.url}: how the
     * dashboard runs on its own against an external cluster.
     */
    public static DashboardConfig from(Map<String, String> props) {
        return from(props, new RestSchemaRegistryClient(RestSchemaRegistryClient.Config.fromSettings(props)));
    }

    /** Whether lag is shown for every consumer group rather than a fixed list. */
    public boolean watchesAllGroups() {
        return watchedGroups.isEmpty();
    }

    /** The same settings on another port (tests use 0). */
    public DashboardConfig withPort(int newPort) {
        return new DashboardConfig(
                bindAddress,
                newPort,
                bootstrapServers,
                registry,
                topics,
                monitorUrl,
                watchedGroups,
                pollInterval,
                heartbeatInterval,
                kafkaOverrides,
                monitorToken);
    }

    /** The same settings reading the monitor at {@code url}. */
    public DashboardConfig withMonitorUrl(URI url) {
        return new DashboardConfig(
                bindAddress,
                port,
                bootstrapServers,
                registry,
                topics,
                Optional.of(url),
                watchedGroups,
                pollInterval,
                heartbeatInterval,
                kafkaOverrides,
                monitorToken);
    }

    /** The same settings with other polling and heartbeat periods. */
    public DashboardConfig withIntervals(Duration poll, Duration heartbeat) {
        return new DashboardConfig(
                bindAddress,
                port,
                bootstrapServers,
                registry,
                topics,
                monitorUrl,
                watchedGroups,
                poll,
                heartbeat,
                kafkaOverrides,
                monitorToken);
    }

    /** The same settings sending {@code token} to the monitor (none when empty). */
    public DashboardConfig withMonitorToken(Optional<String> token) {
        return new DashboardConfig(
                bindAddress,
                port,
                bootstrapServers,
                registry,
                topics,
                monitorUrl,
                watchedGroups,
                pollInterval,
                heartbeatInterval,
                kafkaOverrides,
                token);
    }

    /** Masks the monitor token and secret Kafka settings: a config printed in a log line must not show them. */
    @Override
    public String toString() {
        Map<String, String> shownOverrides = new java.util.TreeMap<>();
        kafkaOverrides.forEach((k, v) -> shownOverrides.put(k, io.streamrlhf.config.Secrets.mask(k, v)));
        return "DashboardConfig[bindAddress=" + bindAddress + ", port=" + port + ", bootstrapServers="
                + bootstrapServers + ", topics=" + topics + ", monitorUrl=" + monitorUrl + ", watchedGroups="
                + watchedGroups + ", pollInterval=" + pollInterval + ", heartbeatInterval=" + heartbeatInterval
                + ", kafkaOverrides=" + shownOverrides + ", monitorToken="
                + (monitorToken.isPresent() ? "****" : "none") + "]";
    }

    private static void requirePositive(String key, Duration d) {
        Objects.requireNonNull(d, key);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(key + " must be a positive duration, got " + d);
        }
    }
}

package io.streamrlhf.streams.config;

import io.streamrlhf.schemas.topic.TopicSettings;
import java.time.Duration;
import java.util.Map;

/**
 * The per-version monitor.
 *
 * @param grace how late (stream time) an event may arrive and still count in its minute. Property
 *              {@code monitor.grace}, default 1m
 * @param retention how many minutes of history the store keeps. Property {@code monitor.retention}, default 24h
 * @param httpPort port of the JSON/SSE endpoint; 0 picks a free port, -1 serves nothing. Property
 *                 {@code monitor.http.port}, default 7071
 * @param ssePeriod how often the SSE stream looks for changes. Property {@code monitor.sse.period}, default 1s
 * @param eventsTopic the topic that carries monitor events from every sub-topology to the monitor, keyed by policy
 *                    version (owned by the streams application). Property {@code topic.monitor.events}, default
 *                    {@code rlhf.monitor.events}
 */
public record MonitorConfig(Duration grace, Duration retention, int httpPort, Duration ssePeriod, String eventsTopic) {

    /** Width of a monitor bucket. */
    public static final Duration BUCKET = Duration.ofMinutes(1);

    public MonitorConfig {
        Durations.requireNonNegative("monitor.grace", grace);
        Durations.requirePositive("monitor.sse.period", ssePeriod);
        if (retention.compareTo(BUCKET.plus(grace)) < 0) {
            throw new IllegalArgumentException("monitor.retention (" + retention
                    + ") must be at least one minute plus monitor.grace (" + grace + ")");
        }
        if (eventsTopic == null || !eventsTopic.matches("[a-zA-Z0-9._-]{1,249}")) {
            throw new IllegalArgumentException("topic.monitor.events '" + eventsTopic
                    + "' is not a topic name: use 1-249 characters from [a-zA-Z0-9._-]");
        }
        if (httpPort < -1 || httpPort > 65_535) {
            throw new IllegalArgumentException(
                    "monitor.http.port must be -1 (off), 0 (any) or a port, got " + httpPort);
        }
    }

    /** The documented defaults. */
    public static MonitorConfig defaults() {
        return new MonitorConfig(
                Duration.ofMinutes(1), Duration.ofHours(24), 7071, Duration.ofSeconds(1), "rlhf.monitor.events");
    }

    /** The defaults overridden by {@code monitor.*} keys. */
    public static MonitorConfig fromProperties(Map<String, String> properties) {
        return new MonitorConfig(
                StreamsKeys.MONITOR_GRACE.get(properties),
                StreamsKeys.MONITOR_RETENTION.get(properties),
                StreamsKeys.MONITOR_HTTP_PORT.get(properties),
                StreamsKeys.MONITOR_SSE_PERIOD.get(properties),
                TopicSettings.MONITOR_EVENTS.get(properties));
    }

    /** A copy serving on another port (0: any free port, -1: none). */
    public MonitorConfig withHttpPort(int port) {
        return new MonitorConfig(grace, retention, port, ssePeriod, eventsTopic);
    }

    /** A copy using another events topic. */
    public MonitorConfig withEventsTopic(String topic) {
        return new MonitorConfig(grace, retention, httpPort, ssePeriod, topic);
    }
}

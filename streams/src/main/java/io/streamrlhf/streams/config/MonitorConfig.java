package io.streamrlhf.streams.config;

import java.time.Duration;
import java.util.Map;

/**
 * The per-version monitor.
 *
 * @param grace how late (stream time) an event may arrive and still count in its minute. Property
 *              {@code monitor.grace}, default 1m
 * @param retention how many minutes of history the store keeps. Property {@code monitor.retention}, default 24h
 * @param httpPort port of the JSON/SSE endpoint; 0 picks a free port, -1 serves nothing. Property
 *                 {@code monitor.httpPort}, default 7071
 * @param ssePeriod how often the SSE stream looks for changes. Property {@code monitor.ssePeriod}, default 1s
 */
public record MonitorConfig(Duration grace, Duration retention, int httpPort, Duration ssePeriod) {

    /** Width of a monitor bucket. */
    public static final Duration BUCKET = Duration.ofMinutes(1);

    public MonitorConfig {
        Durations.requireNonNegative("monitor.grace", grace);
        Durations.requirePositive("monitor.ssePeriod", ssePeriod);
        if (retention.compareTo(BUCKET.plus(grace)) < 0) {
            throw new IllegalArgumentException("monitor.retention (" + retention
                    + ") must be at least one minute plus monitor.grace (" + grace + ")");
        }
        if (httpPort < -1 || httpPort > 65_535) {
            throw new IllegalArgumentException("monitor.httpPort must be -1 (off), 0 (any) or a port, got " + httpPort);
        }
    }

    /** The documented defaults. */
    public static MonitorConfig defaults() {
        return new MonitorConfig(Duration.ofMinutes(1), Duration.ofHours(24), 7071, Duration.ofSeconds(1));
    }

    /** The defaults overridden by {@code monitor.*} keys. */
    public static MonitorConfig fromProperties(Map<String, String> properties) {
        Props p = new Props(properties);
        MonitorConfig d = defaults();
        return new MonitorConfig(p.duration("monitor.grace", d.grace), p.duration("monitor.retention", d.retention),
                p.integer("monitor.httpPort", d.httpPort), p.duration("monitor.ssePeriod", d.ssePeriod));
    }
}

package io.streamrlhf.streams.config;

import io.streamrlhf.schemas.topic.TopicSettings;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
 * @param bindAddress address the endpoint listens on. Property {@code monitor.http.bind.address}, default
 *                    {@code 127.0.0.1}
 * @param bearerToken token every request but {@code /health/live} must carry. Property {@code monitor.http.token},
 *                    default none; never printed
 * @param allowedOrigins origins named in {@code Access-Control-Allow-Origin}. Property
 *                       {@code monitor.http.allowed.origins}, default none (same-origin only)
 * @param httpThreads request threads. Property {@code monitor.http.threads}, default 4
 * @param sseMaxClients open SSE streams at once. Property {@code monitor.sse.max.clients}, default 16
 * @param requestTimeout the longest a JSON answer may take. Property {@code monitor.http.request.timeout}, default 10s
 */
public record MonitorConfig(
        Duration grace,
        Duration retention,
        int httpPort,
        Duration ssePeriod,
        String eventsTopic,
        String bindAddress,
        Optional<String> bearerToken,
        List<String> allowedOrigins,
        int httpThreads,
        int sseMaxClients,
        Duration requestTimeout) {

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
        allowedOrigins = List.copyOf(allowedOrigins);
        Durations.requirePositive("monitor.http.request.timeout", requestTimeout);
        if (bindAddress == null || bindAddress.isBlank()) {
            throw new IllegalArgumentException("monitor.http.bind.address must be an address such as 127.0.0.1");
        }
        if (httpThreads < 1 || sseMaxClients < 1) {
            throw new IllegalArgumentException("monitor.http.threads and monitor.sse.max.clients must be at least 1");
        }
        if (httpPort < -1 || httpPort > 65_535) {
            throw new IllegalArgumentException(
                    "monitor.http.port must be -1 (off), 0 (any) or a port, got " + httpPort);
        }
    }

    /** The documented defaults. */
    public static MonitorConfig defaults() {
        return new MonitorConfig(
                Duration.ofMinutes(1),
                Duration.ofHours(24),
                7071,
                Duration.ofSeconds(1),
                "rlhf.monitor.events",
                "127.0.0.1",
                Optional.empty(),
                List.of(),
                4,
                16,
                Duration.ofSeconds(10));
    }

    /** The defaults overridden by {@code monitor.*} keys. */
    public static MonitorConfig fromProperties(Map<String, String> properties) {
        return new MonitorConfig(
                StreamsKeys.MONITOR_GRACE.get(properties),
                StreamsKeys.MONITOR_RETENTION.get(properties),
                StreamsKeys.MONITOR_HTTP_PORT.get(properties),
                StreamsKeys.MONITOR_SSE_PERIOD.get(properties),
                TopicSettings.MONITOR_EVENTS.get(properties),
                StreamsKeys.MONITOR_HTTP_BIND_ADDRESS.get(properties),
                StreamsKeys.MONITOR_HTTP_TOKEN.ifSet(properties),
                StreamsKeys.MONITOR_HTTP_ALLOWED_ORIGINS
                        .ifSet(properties)
                        .map(o -> Arrays.stream(o.split(","))
                                .map(String::trim)
                                .filter(x -> !x.isEmpty())
                                .toList())
                        .orElse(List.of()),
                StreamsKeys.MONITOR_HTTP_THREADS.get(properties),
                StreamsKeys.MONITOR_SSE_MAX_CLIENTS.get(properties),
                StreamsKeys.MONITOR_HTTP_REQUEST_TIMEOUT.get(properties));
    }

    /** The token masked: a config printed in a log line must not show it. */
    @Override
    public String toString() {
        return "MonitorConfig[grace=" + grace + ", retention=" + retention + ", httpPort=" + httpPort + ", ssePeriod="
                + ssePeriod + ", eventsTopic=" + eventsTopic + ", bindAddress=" + bindAddress + ", bearerToken="
                + (bearerToken.isPresent() ? "****" : "none") + ", allowedOrigins=" + allowedOrigins
                + ", httpThreads=" + httpThreads + ", sseMaxClients=" + sseMaxClients + ", requestTimeout="
                + requestTimeout + "]";
    }

    /** A copy serving on another port (0: any free port, -1: none). */
    public MonitorConfig withHttpPort(int port) {
        return new MonitorConfig(
                grace,
                retention,
                port,
                ssePeriod,
                eventsTopic,
                bindAddress,
                bearerToken,
                allowedOrigins,
                httpThreads,
                sseMaxClients,
                requestTimeout);
    }

    /** A copy using another events topic. */
    public MonitorConfig withEventsTopic(String topic) {
        return new MonitorConfig(
                grace,
                retention,
                httpPort,
                ssePeriod,
                topic,
                bindAddress,
                bearerToken,
                allowedOrigins,
                httpThreads,
                sseMaxClients,
                requestTimeout);
    }
}

package io.streamrlhf.app.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrlhf.producers.config.ProducerKeys;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.schemas.topic.Topics;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live dashboard: a web page that follows policy versions, trainer metrics, dead letters, event rates,
 * consumer lag and the streams version monitor as they happen.
 *
 * <pre>{@code
 * try (Dashboard dashboard = new Dashboard(DashboardConfig.from(settings, registry)).start()) {
 *     System.out.println("Dashboard: " + dashboard.url());
 *     ...
 * }
 * }</pre>
 *
 * <p>It reads Kafka with its own clients (a groupless {@code read_committed} consumer from the beginning of the
 * versions, metrics and dead-letter topics, and an Admin client for offsets), polls the monitor's JSON over
 * HTTP, and serves the page, a JSON snapshot and a Server-Sent Events stream (see {@link DashboardHttp}).
 */
public final class Dashboard implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Dashboard.class);

    private final DashboardConfig config;
    private final Clock clock;
    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private volatile DashboardState state;
    private DashboardHttp http;
    private volatile double canaryShare =
            ProducerKeys.CANARY_SHARE.defaultValue().orElse(0.1);
    /** The record feed and the pollers' futures, for {@link #failure()} (read from the supervisor's thread). */
    private volatile RecordFeed feed;

    private final List<java.util.concurrent.ScheduledFuture<?>> polls =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    public Dashboard(DashboardConfig config) {
        this(config, Clock.systemUTC());
    }

    Dashboard(DashboardConfig config, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * The share of traffic a running canary gets ({@code canary.share}), shown on the canary panel: the decisions
     * do not carry it. Set before {@link #start}.
     */
    public Dashboard withCanaryShare(double share) {
        this.canaryShare = share;
        return this;
    }

    /** Starts the readers and the HTTP server; on failure stops whatever had started and rethrows. */
    public synchronized Dashboard start() {
        if (http != null) {
            throw new IllegalStateException("Dashboard already started at " + http.url());
        }
        try {
            ObjectMapper json = new ObjectMapper();
            state = new DashboardState(
                    clock,
                    config.topics(),
                    config.bootstrapServers(),
                    config.monitorUrl().map(URI::toString).orElse(null),
                    canaryShare);
            Topics topics = new Topics(config.topics(), config.registry());

            RecordFeed feed = new RecordFeed(clientProps(), topics, state, config.pollInterval());
            started.push(feed);
            feed.start();
            this.feed = feed;

            Map<String, Object> adminProps = clientProps();
            adminProps.put(AdminClientConfig.CLIENT_ID_CONFIG, "streamrlhf-dashboard-admin");
            Admin admin = Admin.create(adminProps);
            started.push(admin);
            AtomicInteger threads = new AtomicInteger();
            ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, r -> {
                Thread t = new Thread(r, "dashboard-poll-" + threads.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            started.push(() -> {
                scheduler.shutdownNow();
                scheduler.awaitTermination(10, TimeUnit.SECONDS);
            });
            List<String> rateTopics = topics.all().stream().map(Topic::name).toList();
            OffsetPoller offsets = new OffsetPoller(admin, rateTopics, config.watchedGroups(), state, clock);
            long period = config.pollInterval().toMillis();
            polls.clear();
            polls.add(scheduler.scheduleWithFixedDelay(offsets::poll, 0, period, TimeUnit.MILLISECONDS));
            config.monitorUrl().ifPresent(url -> {
                MonitorClient monitor = new MonitorClient(url, state, config.monitorToken());
                polls.add(scheduler.scheduleWithFixedDelay(monitor::poll, 0, period, TimeUnit.MILLISECONDS));
            });

            http = new DashboardHttp(config.bindAddress(), config.port(), state, json, config.heartbeatInterval())
                    .start();
            started.push(http);
            log.info(
                    "Dashboard at {} (kafka {}, monitor {})",
                    http.url(),
                    config.bootstrapServers(),
                    config.monitorUrl().map(URI::toString).orElse("not configured"));
            return this;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Why the dashboard stopped doing its work after it started, if it did: its record feed's thread ended, or a
     * poller threw (a periodic task that throws is never run again). Empty once closed.
     */
    public java.util.Optional<Throwable> failure() {
        RecordFeed f = feed;
        if (f == null) {
            return java.util.Optional.empty();
        }
        java.util.Optional<Throwable> fed = f.failure();
        if (fed.isPresent()) {
            return fed;
        }
        for (java.util.concurrent.ScheduledFuture<?> poll : polls) {
            if (poll.isDone() && !poll.isCancelled()) {
                try {
                    poll.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    return java.util.Optional.of(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (java.util.concurrent.CancellationException e) {
                    // cancelled on close
                }
                return java.util.Optional.of(new IllegalStateException("a dashboard poller stopped"));
            }
        }
        return java.util.Optional.empty();
    }

    /** The page's address, for example {@code http://127.0.0.1:8088/}. */
    public synchronized URI url() {
        if (http == null) {
            throw new IllegalStateException("Dashboard not started");
        }
        return http.url();
    }

    /** What the page would show now (tests and command-line progress lines). */
    public DashboardSnapshot snapshot() {
        if (state == null) {
            throw new IllegalStateException("Dashboard not started");
        }
        return state.snapshot();
    }

    /** Stops the server, the readers and the pollers, newest first. */
    @Override
    public synchronized void close() {
        feed = null;
        while (!started.isEmpty()) {
            AutoCloseable component = started.pop();
            try {
                component.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                log.warn("Dashboard: failed to stop {}", component.getClass().getSimpleName(), e);
            }
        }
        http = null;
    }

    private Map<String, Object> clientProps() {
        Map<String, Object> props = new HashMap<>();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        props.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        props.putAll(config.kafkaOverrides());
        return props;
    }
}

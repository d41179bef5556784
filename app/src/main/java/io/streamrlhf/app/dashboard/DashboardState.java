package io.streamrlhf.app.dashboard;

import io.streamrlhf.app.dashboard.ActivityLog.OffsetSample;
import io.streamrlhf.app.dashboard.DashboardSnapshot.MonitorStats;
import io.streamrlhf.app.dashboard.DashboardSnapshot.MonitorView;
import io.streamrlhf.app.dashboard.DashboardSnapshot.Sources;
import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.avro.CanaryEvidence;
import io.streamrlhf.avro.DeadLetter;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.avro.TrainerMetrics;
import io.streamrlhf.producers.config.ProducerKeys;
import io.streamrlhf.schemas.monitor.MinutesDocument;
import io.streamrlhf.schemas.monitor.VersionsDocument;
import io.streamrlhf.schemas.topic.TopicNames;
import java.time.Clock;
import java.util.List;
import java.util.Objects;

/**
 * What the dashboard knows, fed by its Kafka consumer, its offset poller and its monitor client, and read as
 * {@link DashboardSnapshot}s. Every change bumps a revision; {@link #awaitChange} lets the event streams sleep
 * until there is something new to send. Thread-safe.
 */
final class DashboardState {

    static final int VERSIONS_KEPT = 1000;
    static final int POINTS_PER_SERIES = 400;
    static final int TRAINER_KEYS = 48;
    static final int RECENT_DEAD_LETTERS = 20;
    static final int DEAD_LETTER_MINUTES = 180;
    static final int RECENT_DECISIONS = 50;

    private final Clock clock;
    private final String bootstrapServers;
    private final TopicNames topics;
    private final VersionLog versions = new VersionLog(VERSIONS_KEPT);
    private final TrainerLog trainer = new TrainerLog(POINTS_PER_SERIES, TRAINER_KEYS);
    private final DeadLetterLog deadLetters = new DeadLetterLog(RECENT_DEAD_LETTERS, DEAD_LETTER_MINUTES);
    private final ActivityLog activity = new ActivityLog(POINTS_PER_SERIES);
    private final CanaryLog canary;
    private final Object changed = new Object();
    private long revision;
    private String kafkaStatus = "connecting";
    private String kafkaError;
    private long undecodable;
    private MonitorView monitor;

    DashboardState(Clock clock, TopicNames topics, String bootstrapServers, String monitorUrl) {
        this(
                clock,
                topics,
                bootstrapServers,
                monitorUrl,
                ProducerKeys.CANARY_SHARE.defaultValue().orElse(0.1));
    }

    DashboardState(Clock clock, TopicNames topics, String bootstrapServers, String monitorUrl, double canaryShare) {
        this.canary = new CanaryLog(RECENT_DECISIONS, canaryShare);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.topics = Objects.requireNonNull(topics, "topics");
        this.bootstrapServers = bootstrapServers;
        this.monitor = monitorUrl == null
                ? new MonitorView(null, "disabled", null, 0, List.of(), List.of())
                : new MonitorView(monitorUrl, "waiting", null, 0, List.of(), List.of());
    }

    void onPolicyVersion(PolicyVersion record) {
        versions.add(record);
        bump();
    }

    void onCanaryDecision(CanaryDecision record) {
        canary.add(record);
        bump();
    }

    void onCanaryEvidence(CanaryEvidence record) {
        canary.add(record);
        bump();
    }

    void onTrainerMetrics(TrainerMetrics record) {
        trainer.add(record);
        bump();
    }

    void onDeadLetter(DeadLetter record) {
        deadLetters.add(record);
        bump();
    }

    void onOffsets(OffsetSample sample) {
        activity.add(sample);
        bump();
    }

    void onOffsetsFailed(String message) {
        activity.failed(message);
        bump();
    }

    /**
     * The monitor's two documents, in the monitor's order. Rows of version -1 (records that belong to no version)
     * are left out: the page shows dead letters from their own topic.
     */
    void onMonitor(VersionsDocument versions, MinutesDocument minutes) {
        List<MonitorStats> totals = versions.versions().stream()
                .filter(s -> s.policyVersion() >= 0)
                .map(MonitorStats::total)
                .toList();
        List<MonitorStats> perMinute = minutes.minutes().stream()
                .filter(s -> s.policyVersion() >= 0)
                .map(MonitorStats::minute)
                .toList();
        synchronized (changed) {
            monitor = new MonitorView(monitor.url(), "ok", null, clock.millis(), totals, perMinute);
        }
        bump();
    }

    void onMonitorFailed(String message) {
        synchronized (changed) {
            if (message.equals(monitor.error())) {
                return;
            }
            // Keep the last good figures on the page; the status says they are stale.
            monitor = new MonitorView(
                    monitor.url(), "error", message, monitor.fetchedTime(), monitor.versions(), monitor.minutes());
        }
        bump();
    }

    void onKafkaStatus(String status, String error) {
        synchronized (changed) {
            if (status.equals(kafkaStatus) && Objects.equals(error, kafkaError)) {
                return;
            }
            kafkaStatus = status;
            kafkaError = error;
        }
        bump();
    }

    void onUndecodable() {
        synchronized (changed) {
            undecodable++;
        }
        bump();
    }

    long revision() {
        synchronized (changed) {
            return revision;
        }
    }

    /**
     * Waits until the revision differs from {@code seen} or {@code timeoutMs} passes; returns the revision then.
     */
    long awaitChange(long seen, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        synchronized (changed) {
            while (revision == seen) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    break;
                }
                changed.wait(left);
            }
            return revision;
        }
    }

    /** Wakes every waiter without a change (shutdown). */
    void wakeAll() {
        synchronized (changed) {
            changed.notifyAll();
        }
    }

    DashboardSnapshot snapshot() {
        long rev;
        Sources sources;
        MonitorView monitorView;
        synchronized (changed) {
            rev = revision;
            sources = new Sources(kafkaStatus, kafkaError, bootstrapServers, undecodable);
            monitorView = monitor;
        }
        return new DashboardSnapshot(
                rev,
                clock.millis(),
                topics,
                sources,
                versions.versions(),
                trainer.view(),
                activity.view(),
                deadLetters.view(),
                monitorView,
                canary.view());
    }

    private void bump() {
        synchronized (changed) {
            revision++;
            changed.notifyAll();
        }
    }
}

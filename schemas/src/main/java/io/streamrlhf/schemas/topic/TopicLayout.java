package io.streamrlhf.schemas.topic;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The settings every StreamRLHF topic is provisioned with.
 *
 * <p>Retention follows what reads each topic: responses and feedback are kept for at least the late-label
 * window (7 days), examples and dead letters for 30 days, policy versions and trainer metrics forever (they
 * are the lineage and the audit trail), and the registry's log is compacted, as Confluent's {@code _schemas}.
 *
 * @param partitions partitions of the event and example topics
 * @param replicationFactor replicas of every topic (1 on the embedded broker, 3 in production)
 * @param eventRetention retention of responses, feedback, preferences, prompts and verdicts
 * @param exampleRetention retention of KTO examples, DPO pairs and dead letters
 */
public record TopicLayout(int partitions, short replicationFactor, Duration eventRetention, Duration exampleRetention) {

    public TopicLayout {
        if (partitions < 1) {
            throw new IllegalArgumentException("topics.partitions must be >= 1, got " + partitions);
        }
        if (replicationFactor < 1) {
            throw new IllegalArgumentException("topics.replication.factor must be >= 1, got " + replicationFactor);
        }
        if (eventRetention.compareTo(Duration.ofDays(7)) < 0) {
            throw new IllegalArgumentException("topics.event.retention " + eventRetention
                    + " is shorter than the 7-day late-feedback window; use at least P7D");
        }
        if (exampleRetention.isNegative() || exampleRetention.isZero()) {
            throw new IllegalArgumentException("topics.example.retention must be positive, got " + exampleRetention);
        }
    }

    /** Defaults for the embedded local stack: 3 partitions, 1 replica, 7 and 30 days. */
    public static TopicLayout defaults() {
        return new TopicLayout(3, (short) 1, Duration.ofDays(7), Duration.ofDays(30));
    }

    /** Reads {@code topics.partitions}, {@code topics.replication.factor}, {@code topics.event.retention} and
     * {@code topics.example.retention} (durations such as {@code 7d} or {@code P7D}), defaulting each. */
    public static TopicLayout fromProperties(Map<String, String> props) {
        return new TopicLayout(
                TopicSettings.PARTITIONS.get(props),
                TopicSettings.REPLICATION_FACTOR.get(props).shortValue(),
                TopicSettings.EVENT_RETENTION.get(props),
                TopicSettings.EXAMPLE_RETENTION.get(props));
    }

    /** The spec of every topic named in {@code names}. */
    public List<TopicSpec> specs(TopicNames names) {
        Map<String, String> events = retention(eventRetention);
        Map<String, String> examples = retention(exampleRetention);
        Map<String, String> forever = Map.of("retention.ms", "-1", "cleanup.policy", "delete");
        return List.of(
                new TopicSpec(names.responses(), partitions, replicationFactor, events),
                new TopicSpec(names.feedback(), partitions, replicationFactor, events),
                new TopicSpec(names.preferences(), partitions, replicationFactor, events),
                new TopicSpec(names.prompts(), partitions, replicationFactor, events),
                new TopicSpec(names.judgeVerdicts(), partitions, replicationFactor, events),
                new TopicSpec(names.ktoExamples(), partitions, replicationFactor, examples),
                new TopicSpec(names.dpoPairs(), partitions, replicationFactor, examples),
                new TopicSpec(names.deadLetters(), 1, replicationFactor, examples),
                // Versions are totally ordered per model: one partition keeps them in publish order.
                new TopicSpec(names.policyVersions(), 1, replicationFactor, forever),
                new TopicSpec(names.trainerMetrics(), 1, replicationFactor, forever),
                new TopicSpec(names.schemas(), 1, replicationFactor, Map.of("cleanup.policy", "compact")));
    }

    /**
     * The spec of every topic named in {@code names}, plus the streams monitor's events topic (an event topic
     * with one partition per input partition, as the monitor reads it co-partitioned).
     */
    public List<TopicSpec> specs(TopicNames names, String monitorEvents) {
        List<TopicSpec> all = new java.util.ArrayList<>(specs(names));
        all.add(new TopicSpec(monitorEvents, partitions, replicationFactor, retention(eventRetention)));
        return List.copyOf(all);
    }

    /** Every topic the settings name, provisioned as the settings say. */
    public static List<TopicSpec> specsFromProperties(Map<String, String> props) {
        return fromProperties(props).specs(TopicNames.fromProperties(props), TopicSettings.MONITOR_EVENTS.get(props));
    }

    private static Map<String, String> retention(Duration d) {
        return Map.of("retention.ms", String.valueOf(d.toMillis()), "cleanup.policy", "delete");
    }
}

package io.streamrlhf.schemas.topic;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The settings every StreamRLHF topic is provisioned with.
 *
 * <p>Retention follows what reads each topic: responses and feedback are kept for at least the late-label
 * window (7 days), examples and dead letters for 30 days, policy versions and trainer metrics forever (they
 * are the lineage and the audit trail), and the registry's log and the erasure requests and reports are compacted (the
 * registry's as Confluent's {@code _schemas}; an erased user id must stay erased for as long as any event could
 * name it).
 *
 * @param partitions partitions of the event and example topics
 * @param replicationFactor replicas of every topic (1 on the embedded broker, 3 in production)
 * @param eventRetention retention of responses, feedback, preferences, prompts and verdicts
 * @param exampleRetention retention of KTO examples, DPO pairs and dead letters
 * @param minInsyncReplicas {@code min.insync.replicas} of every topic: how many replicas must have a write before
 *     an {@code acks=all} producer (every producer here) is told it succeeded
 */
public record TopicLayout(
        int partitions,
        short replicationFactor,
        Duration eventRetention,
        Duration exampleRetention,
        int minInsyncReplicas) {

    /**
     * {@code max.message.bytes} of the checkpoints topic: 2 MiB, room for a chunk of up to
     * {@link #CHECKPOINT_MAX_CHUNK_BYTES} with its record's key, headers and Avro framing.
     */
    public static final int CHECKPOINT_MAX_MESSAGE_BYTES = 2 * 1024 * 1024;

    /** {@code segment.bytes} of the checkpoints topic: 64 MiB. */
    public static final int CHECKPOINT_SEGMENT_BYTES = 64 * 1024 * 1024;

    /** The largest chunk the kafka checkpoint store writes: 1 MiB, the producer's default request size. */
    public static final int CHECKPOINT_MAX_CHUNK_BYTES = 1024 * 1024 - 64 * 1024;

    /**
     * Retention of the canary evidence topic: a day. Its records are live statistics, superseded by the next one
     * of the same model within seconds and by the decision that ends the canary; only the latest per model matters.
     */
    public static final Duration CANARY_EVIDENCE_RETENTION = Duration.ofDays(1);

    public TopicLayout {
        if (minInsyncReplicas < 1 || minInsyncReplicas > replicationFactor) {
            throw new IllegalArgumentException(
                    "topics.min.insync.replicas must be between 1 and the replication factor " + replicationFactor
                            + ", got " + minInsyncReplicas);
        }
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

    /** A layout whose {@code min.insync.replicas} follows the replication factor ({@link #safeMinInsync}). */
    public TopicLayout(int partitions, short replicationFactor, Duration eventRetention, Duration exampleRetention) {
        this(partitions, replicationFactor, eventRetention, exampleRetention, safeMinInsync(replicationFactor));
    }

    /** Defaults for the embedded local stack: 3 partitions, 1 replica, 7 and 30 days. */
    public static TopicLayout defaults() {
        return new TopicLayout(3, (short) 1, Duration.ofDays(7), Duration.ofDays(30));
    }

    /**
     * 2 from three replicas up, else 1: with three replicas an acknowledged write then survives the loss of any
     * one broker, and the topic stays writable while one broker is down. With two replicas a minimum of 2 would
     * stop every write whenever either broker restarts, so the usual choice there is 1.
     */
    public static int safeMinInsync(int replicationFactor) {
        return replicationFactor >= 3 ? 2 : 1;
    }

    /** Reads {@code topics.partitions}, {@code topics.replication.factor}, {@code topics.event.retention} and
     * {@code topics.example.retention} (durations such as {@code 7d} or {@code P7D}), defaulting each. */
    public static TopicLayout fromProperties(Map<String, String> props) {
        short replicas = TopicSettings.REPLICATION_FACTOR.get(props).shortValue();
        int minInsync = TopicSettings.MIN_INSYNC_REPLICAS.get(props);
        return new TopicLayout(
                TopicSettings.PARTITIONS.get(props),
                replicas,
                TopicSettings.EVENT_RETENTION.get(props),
                TopicSettings.EXAMPLE_RETENTION.get(props),
                minInsync == 0 ? safeMinInsync(replicas) : minInsync);
    }

    /** The spec of every topic named in {@code names}. */
    public List<TopicSpec> specs(TopicNames names) {
        Map<String, String> events = retention(eventRetention);
        Map<String, String> examples = retention(exampleRetention);
        Map<String, String> forever = withMinInsync(Map.of("retention.ms", "-1", "cleanup.policy", "delete"));
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
                // Decisions are the audit trail of what served traffic, and followers rebuild from the start.
                new TopicSpec(names.policyDecisions(), 1, replicationFactor, forever),
                // Chunks of versions, compacted: a chunk lives until a later publish writes its tombstone.
                new TopicSpec(
                        names.policyCheckpoints(),
                        partitions,
                        replicationFactor,
                        withMinInsync(Map.of(
                                "cleanup.policy",
                                "compact",
                                "max.message.bytes",
                                String.valueOf(CHECKPOINT_MAX_MESSAGE_BYTES),
                                // Compaction never touches the active segment: small segments let retention's
                                // tombstones free space (and shorten readers' scans) long before 1 GiB is written.
                                "segment.bytes",
                                String.valueOf(CHECKPOINT_SEGMENT_BYTES)))),
                new TopicSpec(
                        names.schemas(), 1, replicationFactor, withMinInsync(Map.of("cleanup.policy", "compact"))),
                // Keyed by user id and read whole by every streams instance (a global table): one partition
                // keeps one request per user after compaction, and its count never has to match the inputs.
                new TopicSpec(
                        names.erasures(), 1, replicationFactor, withMinInsync(Map.of("cleanup.policy", "compact"))),
                // One report per user after compaction; read whole by the gateway.
                new TopicSpec(
                        names.erasureReports(),
                        1,
                        replicationFactor,
                        withMinInsync(Map.of("cleanup.policy", "compact"))),
                // Live statistics next to the decisions (same key, one partition): compacted to the latest per
                // model and deleted after a day; hour-long segments let both happen long before a week's segment
                // would roll.
                new TopicSpec(
                        names.canaryEvidence(),
                        1,
                        replicationFactor,
                        withMinInsync(Map.of(
                                "cleanup.policy",
                                "compact,delete",
                                "retention.ms",
                                String.valueOf(CANARY_EVIDENCE_RETENTION.toMillis()),
                                "segment.ms",
                                String.valueOf(Duration.ofHours(1).toMillis())))));
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

    private Map<String, String> retention(Duration d) {
        return withMinInsync(Map.of("retention.ms", String.valueOf(d.toMillis()), "cleanup.policy", "delete"));
    }

    private Map<String, String> withMinInsync(Map<String, String> configs) {
        Map<String, String> all = new java.util.HashMap<>(configs);
        all.put("min.insync.replicas", String.valueOf(minInsyncReplicas));
        return Map.copyOf(all);
    }
}

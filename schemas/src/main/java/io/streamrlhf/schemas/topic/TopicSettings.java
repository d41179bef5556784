package io.streamrlhf.schemas.topic;

import io.streamrlhf.config.Setting;
import java.util.List;

/** The topic keys: each topic's name ({@code topic.*}) and how topics are provisioned ({@code topics.*}). */
public final class TopicSettings {

    private static final TopicNames NAMES = TopicNames.defaults();
    private static final TopicLayout LAYOUT = TopicLayout.defaults();

    public static final Setting<String> RESPONSES =
            name("topic.responses", NAMES.responses(), "ResponseGenerated events by response id");
    public static final Setting<String> FEEDBACK =
            name("topic.feedback", NAMES.feedback(), "Feedback events by response id");
    public static final Setting<String> PREFERENCES =
            name("topic.preferences", NAMES.preferences(), "PairwisePreference events by prompt id");
    public static final Setting<String> PROMPTS =
            name("topic.prompts", NAMES.prompts(), "prompts for the sampler to roll out");
    public static final Setting<String> JUDGE_VERDICTS =
            name("topic.judge.verdicts", NAMES.judgeVerdicts(), "rule-based judges' verdicts by response id");
    public static final Setting<String> KTO_EXAMPLES =
            name("topic.kto.examples", NAMES.ktoExamples(), "KTO examples for the trainer");
    public static final Setting<String> DPO_PAIRS =
            name("topic.dpo.pairs", NAMES.dpoPairs(), "DPO pairs for the trainer");
    public static final Setting<String> POLICY_VERSIONS =
            name("topic.policy.versions", NAMES.policyVersions(), "published policy versions by model id");
    public static final Setting<String> TRAINER_METRICS =
            name("topic.trainer.metrics", NAMES.trainerMetrics(), "trainer metrics by model id");
    public static final Setting<String> DEAD_LETTERS = name(
            "topic.dead.letters",
            NAMES.deadLetters(),
            "records that could not be read or were invalid, with the reason");
    public static final Setting<String> SCHEMAS =
            name("topic.schemas", NAMES.schemas(), "the embedded schema registry's own log (compacted)");
    public static final Setting<String> ERASURES = name(
            "topic.erasures",
            NAMES.erasures(),
            "UserErased requests by user id (compacted: an erased id stays erased)");
    public static final Setting<String> POLICY_DECISIONS = name(
            "topic.policy.decisions",
            NAMES.policyDecisions(),
            "canary decisions (started, promoted, rolled back, superseded) by model id");
    public static final Setting<String> POLICY_CHECKPOINTS = name(
            "topic.policy.checkpoints",
            NAMES.policyCheckpoints(),
            "checkpoint chunks of the kafka checkpoint store by modelId/version/file/chunk (compacted)");
    public static final Setting<String> ERASURE_REPORTS = name(
            "topic.erasure.reports",
            NAMES.erasureReports(),
            "erasure reports by user id (compacted: the latest report per user)");
    public static final Setting<String> CANARY_EVIDENCE = name(
            "topic.canary.evidence",
            NAMES.canaryEvidence(),
            "a running canary's current statistics by model id (compacted, kept a day), for the dashboard");
    public static final Setting<String> MONITOR_EVENTS = name(
            "topic.monitor.events",
            "rlhf.monitor.events",
            "events from every streams sub-topology to the version monitor, by policy version");

    public static final Setting<Integer> PARTITIONS = Setting.integer(
            "topics.partitions",
            LAYOUT.partitions(),
            "partitions of the event and example topics (inputs of one join must share one count)");
    public static final Setting<Integer> REPLICATION_FACTOR = Setting.integer(
                    "topics.replication.factor",
                    (int) LAYOUT.replicationFactor(),
                    "replicas of every topic, Kafka Streams' internal topics included " + "(3 in production)")
            .requiring(r -> r >= 1 && r <= Short.MAX_VALUE, "a whole number from 1 to 32767");
    public static final Setting<Integer> MIN_INSYNC_REPLICAS = Setting.integer(
                    "topics.min.insync.replicas",
                    0,
                    "min.insync.replicas of every topic, Kafka Streams' internal topics included; 0: 2 from a "
                            + "replication factor of 3 up, else 1")
            .requiring(
                    r -> r >= 0 && r <= Short.MAX_VALUE, "0 (follow the replication factor) or a whole number from 1");
    public static final Setting<java.time.Duration> EVENT_RETENTION = Setting.duration(
            "topics.event.retention",
            LAYOUT.eventRetention(),
            "retention of responses, feedback, preferences, prompts and verdicts "
                    + "(at least the 7-day late-feedback window)");
    public static final Setting<java.time.Duration> EXAMPLE_RETENTION = Setting.duration(
            "topics.example.retention",
            LAYOUT.exampleRetention(),
            "retention of KTO examples, DPO pairs and dead letters");

    /** Every key above. */
    public static final List<Setting<?>> ALL = List.of(
            RESPONSES,
            FEEDBACK,
            PREFERENCES,
            PROMPTS,
            JUDGE_VERDICTS,
            KTO_EXAMPLES,
            DPO_PAIRS,
            POLICY_VERSIONS,
            TRAINER_METRICS,
            DEAD_LETTERS,
            SCHEMAS,
            ERASURES,
            POLICY_DECISIONS,
            POLICY_CHECKPOINTS,
            ERASURE_REPORTS,
            CANARY_EVIDENCE,
            MONITOR_EVENTS,
            PARTITIONS,
            REPLICATION_FACTOR,
            MIN_INSYNC_REPLICAS,
            EVENT_RETENTION,
            EXAMPLE_RETENTION);

    private TopicSettings() {}

    private static Setting<String> name(String key, String defaultName, String doc) {
        return Setting.string(key, defaultName, "topic name: " + doc)
                .requiring(n -> n.matches("[a-zA-Z0-9._-]{1,249}"), "1-249 characters from [a-zA-Z0-9._-]");
    }
}

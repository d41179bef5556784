package io.streamrlhf.streams.config;

import io.streamrlhf.config.Setting;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.streams.GroupProtocol;

/** Every key the streams application reads, with its default and meaning; the records are built from these. */
public final class StreamsKeys {

    private static final KtoConfig KTO = KtoConfig.defaults();
    private static final DpoConfig DPO = DpoConfig.defaults();
    private static final JudgeConfig JUDGE = JudgeConfig.defaults();
    private static final MonitorConfig MONITOR = MonitorConfig.defaults();
    private static final CanaryConfig CANARY = CanaryConfig.defaults();

    public static final Setting<String> APPLICATION_ID = Setting.string(
            "streams.application.id",
            "streamrlhf-streams",
            "Kafka Streams application id (consumer group, transactional id and internal " + "topic prefix)");
    public static final Setting<String> STATE_DIR = Setting.string(
                    "streams.state.dir",
                    Path.of(System.getProperty("java.io.tmpdir"), "streamrlhf-streams")
                            .toString(),
                    "local state (RocksDB); run, demo and up put it under data.dir")
            .describedDefault("<data.dir>/streams-state, else <java.io.tmpdir>/streamrlhf-streams");
    public static final Setting<Integer> THREADS =
            Setting.integer("streams.threads", 1, "stream threads").requiring(n -> n >= 1, "at least 1");
    public static final Setting<Duration> COMMIT_INTERVAL = Setting.duration(
            "streams.commit.interval",
            Duration.ofMillis(100),
            "transaction commit interval (bounds output latency under exactly-once)");
    public static final Setting<Duration> PRODUCER_LINGER = Setting.duration(
            "streams.producer.linger",
            Duration.ofMillis(100),
            "producer linger.ms; under exactly-once a reader sees nothing before the "
                    + "commit, so a linger up to the commit interval adds no latency");
    public static final Setting<Integer> PRODUCER_BATCH_SIZE = Setting.integer(
            "streams.producer.batch.size",
            512 * 1024,
            "producer batch.size in bytes (Kafka's 16384 splits a commit's changelog writes into many " + "requests)");
    public static final Setting<StateStoreType> STATE_STORE = Setting.enumeration(
            "streams.state.store",
            StateStoreType.class,
            StateStoreType.ROCKSDB,
            "where state stores keep their data: ROCKSDB or IN_MEMORY");
    public static final Setting<String> INSTANCE_ID = Setting.string(
            "streams.instance.id",
            null,
            "static group membership: this instance's group.instance.id, unique among the application's instances;"
                    + " a restarted instance takes its tasks back at once (after kill -9 too). Unset: dynamic");
    public static final Setting<Duration> SESSION_TIMEOUT = Setting.duration(
            "streams.session.timeout",
            Duration.ofSeconds(45),
            "how long the group waits for a member that stopped without leaving before it"
                    + " moves the member's tasks (within the broker's group.min/max.session.timeout.ms)");
    public static final Setting<GroupProtocol> GROUP_PROTOCOL = Setting.enumeration(
            "streams.group.protocol",
            GroupProtocol.class,
            GroupProtocol.CLASSIC,
            "rebalance protocol: CLASSIC (client-side assignment; streams.session.timeout applies) or STREAMS"
                    + " (KIP-1071: the broker assigns tasks and its group config sets the session timeout; needs"
                    + " the streams.version feature and a new group to switch, see docs/streams.md)");

    public static final Setting<Duration> KTO_SETTLE_DELAY = Setting.duration(
            "kto.settle.delay",
            KTO.settleDelay(),
            "how long (stream time) a vote must stand before it is emitted; 0s emits at once");
    public static final Setting<Duration> KTO_RESPONSE_RETENTION = Setting.duration(
            "kto.response.retention",
            KTO.responseRetention(),
            "how long a response waits for feedback; later feedback is dead-lettered");
    public static final Setting<Duration> KTO_EARLY_FEEDBACK_BUFFER = Setting.duration(
            "kto.early.feedback.buffer",
            KTO.earlyFeedbackBuffer(),
            "how long feedback waits for a response that has not arrived yet");
    public static final Setting<Integer> KTO_USER_LABELS_PER_HOUR = Setting.integer(
            "kto.user.labels.per.hour",
            KTO.userLabelsPerHour(),
            "labels per user per hour (stream time) that count toward training; the excess "
                    + "is emitted with weight 0; 0 disables the cap");
    public static final Setting<Duration> KTO_PUNCTUATE_INTERVAL = Setting.duration(
            "kto.punctuate.interval",
            KTO.punctuateInterval(),
            "how often (stream time) settled votes and expired state are swept");
    public static final Setting<Integer> KTO_CACHED_STATE_BYTES = Setting.integer(
            "kto.cached.state.bytes",
            KTO.cachedStateBytes(),
            "bytes of response states the KTO join holds as objects per task, most recently"
                    + " used first (a state weighs what it would take serialized)");
    public static final Setting<Integer> KTO_MAX_VOTES_PER_RESPONSE = Setting.integer(
            "kto.max.votes.per.response",
            KTO.maxVotesPerResponse(),
            "distinct voters plus early feedback one response keeps; one more is"
                    + " dead-lettered as RESPONSE_VOTES_LIMIT");
    public static final Setting<Integer> KTO_MAX_STATE_BYTES = Setting.integer(
            "kto.max.state.bytes",
            KTO.maxStateBytes(),
            "bytes of one response's state record (key plus value, 4096-983040); a record that"
                    + " would exceed it is dead-lettered as RESPONSE_STATE_LIMIT");

    public static final Setting<Duration> DPO_DERIVED_WINDOW = Setting.duration(
            "dpo.derived.window",
            DPO.derivedWindow(),
            "labels on one prompt pair up only when both fall within this window");
    public static final Setting<Integer> DPO_DERIVED_PAIRS_PER_PROMPT = Setting.integer(
            "dpo.derived.pairs.per.prompt", DPO.derivedPairsPerPrompt(), "at most this many derived pairs per prompt");
    public static final Setting<Duration> DPO_PREFERENCE_BUFFER = Setting.duration(
            "dpo.preference.buffer",
            DPO.preferenceBuffer(),
            "how long an explicit preference waits for its two responses before it is " + "dead-lettered");
    public static final Setting<Duration> DPO_RESPONSE_RETENTION = Setting.duration(
            "dpo.response.retention", DPO.responseRetention(), "how long responses are kept for explicit preferences");
    public static final Setting<Integer> DPO_ROLLOUT_GROUP_SIZE = Setting.integer(
            "dpo.rollout.group.size",
            DPO.rolloutGroupSize(),
            "K: a rollout group is judged once K rollouts of one prompt and version arrived");
    public static final Setting<Duration> DPO_ROLLOUT_WINDOW = Setting.duration(
            "dpo.rollout.window", DPO.rolloutWindow(), "or once this much stream time passed since its first rollout");
    public static final Setting<Double> DPO_RHO = Setting.decimal(
            "dpo.rho",
            DPO.rho(),
            "length-control slack in [0, 1]: chosen is the shortest passing rollout with score >= "
                    + "(1-rho)*best + rho*worst");
    public static final Setting<Boolean> DPO_PAIR_TIES = Setting.bool(
            "dpo.pair.ties",
            DPO.pairTies(),
            "a judged rollout group whose rejected rollout passes every judge with the chosen one's score still makes"
                    + " a pair, chosen the shorter (true), or makes no pair and is counted as groupsTied (false)");
    public static final Setting<Duration> DPO_PUNCTUATE_INTERVAL = Setting.duration(
            "dpo.punctuate.interval",
            DPO.punctuateInterval(),
            "how often (stream time) windows are closed and state swept");
    public static final Setting<Integer> DPO_DERIVED_RESPONSES_PER_PROMPT = Setting.integer(
            "dpo.derived.responses.per.prompt",
            DPO.derivedResponsesPerPrompt(),
            "labelled responses one prompt keeps"
                    + " for derived pairs; one more is dead-lettered as PROMPT_STATE_LIMIT");
    public static final Setting<Integer> DPO_MAX_STATE_BYTES = Setting.integer(
            "dpo.max.state.bytes",
            DPO.maxStateBytes(),
            "bytes of one prompt's derived-pair state and of one rollout group (4096-983040);"
                    + " beyond it PROMPT_STATE_LIMIT or ROLLOUT_GROUP_LIMIT");

    public static final Setting<Integer> JUDGE_MIN_LENGTH = Setting.integer(
            "judge.min.length", JUDGE.minLength(), "a completion shorter than this (characters) fails length-bounds");
    public static final Setting<Integer> JUDGE_MAX_LENGTH =
            Setting.integer("judge.max.length", JUDGE.maxLength(), "a completion longer than this fails length-bounds");
    public static final Setting<String> JUDGE_BANNED_PHRASES = Setting.string(
            "judge.banned.phrases",
            String.join("|", JUDGE.bannedPhrases()),
            "|-separated, case-insensitive phrases that fail banned-phrases");
    public static final Setting<String> JUDGE_FORMAT = Setting.family(
            "judge.format",
            "a regex the whole completion of one task must match (format judge); one key per task, e.g. "
                    + "judge.format.chat");
    public static final Setting<Boolean> JUDGE_EXACT_ANSWER = Setting.bool(
            "judge.exact.answer",
            JUDGE.exactAnswer(),
            "whether exact-answer judges tasks whose prompt has a reference answer");
    public static final Setting<Boolean> JUDGE_REQUIRE_END_TOKEN = Setting.bool(
            "judge.require.end.token",
            JUDGE.requireEndToken(),
            "whether end-token fails completions cut off at the token limit");

    public static final Setting<Integer> VALIDATION_MAX_COMPLETION_CHARS = Setting.integer(
            "validation.max.completion.chars",
            ValidationConfig.defaults().maxCompletionChars(),
            "a response whose completion is longer than this is dead-lettered");
    public static final Setting<String> REDACTION_EMAIL = Setting.string(
            "redaction.email",
            io.streamrlhf.streams.redaction.Redactor.DEFAULT_EMAIL,
            "regular expression of e-mail addresses replaced by [REDACTED_EMAIL] in prompts and completions before "
                    + "they become examples; empty turns it off");
    public static final Setting<String> REDACTION_PHONE = Setting.string(
            "redaction.phone",
            io.streamrlhf.streams.redaction.Redactor.DEFAULT_PHONE,
            "regular expression of phone numbers replaced by [REDACTED_PHONE] (the default needs two separators, so "
                    + "plain numbers stay); empty turns it off");
    public static final Setting<String> REDACTION_CARD = Setting.string(
            "redaction.card",
            io.streamrlhf.streams.redaction.Redactor.DEFAULT_CARD,
            "regular expression of card numbers replaced by [REDACTED_CARD] (the default: four digit groups "
                    + "separated by spaces or dashes); empty turns it off");

    public static final Setting<Duration> MONITOR_GRACE = Setting.duration(
            "monitor.grace",
            MONITOR.grace(),
            "how late (stream time) an event may arrive and still count in its minute");
    public static final Setting<Duration> MONITOR_RETENTION =
            Setting.duration("monitor.retention", MONITOR.retention(), "how much history the monitor store keeps");
    public static final Setting<Integer> MONITOR_HTTP_PORT = Setting.integer(
            "monitor.http.port",
            MONITOR.httpPort(),
            "port of the monitor's JSON/SSE endpoint; 0 picks a free port, -1 serves nothing");
    public static final Setting<Duration> MONITOR_SSE_PERIOD = Setting.duration(
            "monitor.sse.period",
            MONITOR.ssePeriod(),
            "how often the one shared store scan feeding every SSE stream runs");
    public static final Setting<String> MONITOR_HTTP_BIND_ADDRESS = Setting.string(
            "monitor.http.bind.address",
            MONITOR.bindAddress(),
            "address the monitor listens on (0.0.0.0 or a public address only with monitor.http.token set)");
    public static final Setting<String> MONITOR_HTTP_TOKEN = Setting.string(
                    "monitor.http.token",
                    null,
                    "bearer token every monitor request but /health/live must carry (none: no token asked)")
            .requiring(t -> t.length() >= 16, "at least 16 characters")
            .secret();
    public static final Setting<String> MONITOR_HTTP_ALLOWED_ORIGINS = Setting.string(
                    "monitor.http.allowed.origins",
                    null,
                    "comma-separated origins (such as http://localhost:8080) whose pages may read the monitor; never *")
            .describedDefault("none: same-origin only")
            .requiring(o -> !o.contains("*"), "a list of origins, not *");
    public static final Setting<Integer> MONITOR_HTTP_THREADS = Setting.integer(
                    "monitor.http.threads",
                    MONITOR.httpThreads(),
                    "request threads of the monitor; requests beyond them and a short queue are refused")
            .requiring(n -> n >= 1, "at least 1");
    public static final Setting<Integer> MONITOR_SSE_MAX_CLIENTS = Setting.integer(
                    "monitor.sse.max.clients", MONITOR.sseMaxClients(), "open SSE streams at once; one more gets 503")
            .requiring(n -> n >= 1, "at least 1");
    public static final Setting<Duration> MONITOR_HTTP_REQUEST_TIMEOUT = Setting.duration(
            "monitor.http.request.timeout",
            MONITOR.requestTimeout(),
            "the longest a JSON answer may take to be written before its connection is closed");

    public static final Setting<Boolean> CANARY_ENABLED = Setting.bool(
            "canary.enabled",
            CANARY.enabled(),
            "run the canary controller: each new policy version first serves canary.share of traffic, is compared"
                    + " with the promoted one and promoted or rolled back on rlhf.policy.decisions; false: every new"
                    + " version serves all traffic at once");
    public static final Setting<Double> CANARY_ALPHA = Setting.decimal(
                    "canary.alpha",
                    CANARY.alpha(),
                    "family-wise error of the canary test over all its metrics (split evenly, Bonferroni)")
            .requiring(a -> a > 0 && a < 1, "a number between 0 and 1");
    public static final Setting<Double> CANARY_THUMBS_MARGIN = Setting.decimal(
                    "canary.thumbs.margin",
                    CANARY.thumbsMargin(),
                    "non-inferiority margin: how much lower the canary's thumbs-up rate may be")
            .requiring(m -> m >= 0 && m < 1, "a number from 0 up to 1");
    public static final Setting<Double> CANARY_JUDGE_MARGIN = Setting.decimal(
                    "canary.judge.margin",
                    CANARY.judgeMargin(),
                    "how much higher a judge's failure rate may be shown to be at most for promotion")
            .requiring(m -> m >= 0 && m < 1, "a number from 0 up to 1");
    public static final Setting<Double> CANARY_GATE_MARGIN = Setting.decimal(
                    "canary.gate.margin",
                    CANARY.gateMargin(),
                    "how much lower than its parent's a version's pass rate of any judge on the held-out prompts"
                            + " (measured by the trainer, trainer.gate.*) may be; lower: GATE_FAILED, it never serves")
            .requiring(m -> m >= 0 && m < 1, "a number from 0 up to 1");
    public static final Setting<String> CANARY_JUDGES = Setting.string(
            "canary.judges",
            String.join(",", CANARY.judges()),
            "comma-separated constraint judges whose failure rates the canary test watches; none: thumbs only"
                    + " (without a sampler no verdicts arrive, and a judge that is never observed never lets a"
                    + " canary be promoted)");
    public static final Setting<Long> CANARY_MIN_SAMPLES = Setting.longValue(
                    "canary.min.samples",
                    CANARY.minSamples(),
                    "observations each arm of a metric needs before that metric can decide")
            .requiring(n -> n >= 1, "at least 1");
    public static final Setting<Long> CANARY_TUNING_SAMPLES = Setting.longValue(
                    "canary.tuning.samples",
                    CANARY.tuningSamples(),
                    "observations per arm at which the test's confidence sequences are tightest")
            .requiring(n -> n >= 1, "at least 1");
    public static final Setting<Duration> CANARY_MAX_DURATION = Setting.duration(
            "canary.max.duration",
            CANARY.maxDuration(),
            "event time after which an undecided canary gets canary.default.outcome");
    public static final Setting<CanaryDefault> CANARY_DEFAULT_OUTCOME = Setting.enumeration(
            "canary.default.outcome",
            CanaryDefault.class,
            CANARY.defaultOutcome(),
            "outcome of a canary still undecided at canary.max.duration: PROMOTED or ROLLED_BACK");
    public static final Setting<Duration> CANARY_ATTRIBUTION_WINDOW = Setting.duration(
            "canary.attribution.window",
            CANARY.attributionWindow(),
            "how long (event time) the canary controller keeps a response's version for its feedback and verdicts");
    public static final Setting<Duration> CANARY_EVIDENCE_INTERVAL = Setting.duration(
            "canary.evidence.interval",
            CANARY.evidenceInterval(),
            "wall-clock interval at which the canary controller publishes a running canary's current statistics"
                    + " to topic.canary.evidence (at most one record per model per interval, only when its counts"
                    + " changed); 0s: none");

    /** Every key above. */
    public static final List<Setting<?>> ALL = List.of(
            APPLICATION_ID,
            STATE_DIR,
            THREADS,
            COMMIT_INTERVAL,
            PRODUCER_LINGER,
            PRODUCER_BATCH_SIZE,
            STATE_STORE,
            INSTANCE_ID,
            SESSION_TIMEOUT,
            GROUP_PROTOCOL,
            KTO_SETTLE_DELAY,
            KTO_RESPONSE_RETENTION,
            KTO_EARLY_FEEDBACK_BUFFER,
            KTO_USER_LABELS_PER_HOUR,
            KTO_PUNCTUATE_INTERVAL,
            KTO_CACHED_STATE_BYTES,
            KTO_MAX_VOTES_PER_RESPONSE,
            KTO_MAX_STATE_BYTES,
            DPO_DERIVED_WINDOW,
            DPO_DERIVED_PAIRS_PER_PROMPT,
            DPO_PREFERENCE_BUFFER,
            DPO_RESPONSE_RETENTION,
            DPO_ROLLOUT_GROUP_SIZE,
            DPO_ROLLOUT_WINDOW,
            DPO_RHO,
            DPO_PAIR_TIES,
            DPO_PUNCTUATE_INTERVAL,
            DPO_DERIVED_RESPONSES_PER_PROMPT,
            DPO_MAX_STATE_BYTES,
            JUDGE_MIN_LENGTH,
            JUDGE_MAX_LENGTH,
            JUDGE_BANNED_PHRASES,
            JUDGE_FORMAT,
            JUDGE_EXACT_ANSWER,
            JUDGE_REQUIRE_END_TOKEN,
            VALIDATION_MAX_COMPLETION_CHARS,
            REDACTION_EMAIL,
            REDACTION_PHONE,
            REDACTION_CARD,
            MONITOR_GRACE,
            MONITOR_RETENTION,
            MONITOR_HTTP_PORT,
            MONITOR_SSE_PERIOD,
            MONITOR_HTTP_BIND_ADDRESS,
            MONITOR_HTTP_TOKEN,
            MONITOR_HTTP_ALLOWED_ORIGINS,
            MONITOR_HTTP_THREADS,
            MONITOR_SSE_MAX_CLIENTS,
            MONITOR_HTTP_REQUEST_TIMEOUT,
            CANARY_ENABLED,
            CANARY_ALPHA,
            CANARY_THUMBS_MARGIN,
            CANARY_JUDGE_MARGIN,
            CANARY_GATE_MARGIN,
            CANARY_JUDGES,
            CANARY_MIN_SAMPLES,
            CANARY_TUNING_SAMPLES,
            CANARY_MAX_DURATION,
            CANARY_DEFAULT_OUTCOME,
            CANARY_ATTRIBUTION_WINDOW,
            CANARY_EVIDENCE_INTERVAL);

    private StreamsKeys() {}
}

package io.streamrlhf.trainer.config;

import io.streamrlhf.config.Setting;
import io.streamrlhf.schemas.topic.TopicLayout;
import io.streamrlhf.trainer.checkpoint.CheckpointStoreConfig;
import io.streamrlhf.trainer.checkpoint.LocalCheckpointStore;
import io.streamrlhf.trainer.checkpoint.VersionSigner;
import io.streamrlhf.trainer.loss.LossConfig;
import io.streamrlhf.trainer.loss.LossType;
import io.streamrlhf.trainer.model.llama.LoraConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** Every key the trainer reads, with its default and meaning; {@link TrainerConfigFactory} reads only these. */
public final class TrainerKeys {

    private static final ModelConfig MODEL = ModelConfig.defaults();
    private static final CheckpointStoreConfig STORE = CheckpointStoreConfig.defaults();
    private static final OptimizerConfig OPTIMIZER = OptimizerConfig.defaults();
    private static final StalenessConfig STALENESS = StalenessConfig.defaults();
    private static final LossConfig LOSS = LossConfig.defaults(LossType.DPO_SIGMOID);
    private static final List<String> LORA_ALL_TARGETS =
            LoraConfig.allTargets().stream().map(LoraConfig.Target::moduleName).toList();

    public static final Setting<String> MODEL_ID = Setting.string(
            "trainer.model.id",
            "policy",
            "the policy's id: key of its versions and metrics, part of the default group and transactional ids");
    public static final Setting<String> GROUP_ID = Setting.string(
                    "trainer.group.id", null, "consumer group of the example topics")
            .describedDefault("streamrlhf-trainer-<trainer.model.id>");
    public static final Setting<String> TRANSACTIONAL_ID = Setting.string(
                    "trainer.transactional.id", null, "transactional id of the publisher")
            .describedDefault("streamrlhf-trainer-<trainer.model.id>");
    public static final Setting<String> CHECKPOINT_DIR = Setting.string(
                    "trainer.checkpoint.dir",
                    "data/checkpoints",
                    "where checkpoints are written (the sampler loads versions from here); run, demo and up put it under "
                            + "data.dir")
            .describedDefault("<data.dir>/checkpoints, else data/checkpoints");
    public static final Setting<Long> CHECKPOINT_MAX_BYTES = Setting.longValue(
                    "trainer.checkpoint.max.bytes",
                    LocalCheckpointStore.DEFAULT_MAX_BYTES,
                    "the largest checkpoint the trainer and samplers read, checked before reading; a version recording"
                            + " a larger size is refused")
            .requiring(
                    b -> b >= 1 && b <= LocalCheckpointStore.LIMIT_MAX_BYTES,
                    "between 1 and " + LocalCheckpointStore.LIMIT_MAX_BYTES);
    public static final Setting<CheckpointStoreConfig.Kind> CHECKPOINT_STORE = Setting.enumeration(
            "trainer.checkpoint.store",
            CheckpointStoreConfig.Kind.class,
            STORE.kind(),
            "where versions' checkpoints live, for the trainer, samplers and export alike: file (trainer.checkpoint.dir,"
                    + " a folder every reader must share) or kafka (chunks in the compacted topic"
                    + " topic.policy.checkpoints, written in each version's publish transaction)");
    public static final Setting<Integer> CHECKPOINT_KAFKA_CHUNK_BYTES = Setting.integer(
                    "trainer.checkpoint.kafka.chunk.bytes",
                    STORE.chunkBytes(),
                    "size of the kafka checkpoint store's chunks, below the topic's max.message.bytes")
            .requiring(
                    b -> b >= 1 && b <= TopicLayout.CHECKPOINT_MAX_CHUNK_BYTES,
                    "between 1 and " + TopicLayout.CHECKPOINT_MAX_CHUNK_BYTES);
    public static final Setting<Integer> CHECKPOINT_KAFKA_KEEP_LAST = Setting.integer(
                    "trainer.checkpoint.kafka.keep.last",
                    STORE.keepLast(),
                    "the kafka checkpoint store keeps this many newest versions, besides version 0 and every promoted"
                            + " version; older versions' chunks are tombstoned by a later publish")
            .requiring(n -> n >= 1, "at least 1");
    public static final Setting<String> VERSIONS_SIGNING_KEY = Setting.string(
                    "versions.signing.key",
                    null,
                    "HMAC-SHA256 key (at least " + VersionSigner.MIN_KEY_CHARS
                            + " characters) shared by the trainer, which"
                            + " signs every policy version, and the samplers and the gateway, which then refuse unsigned or"
                            + " badly signed versions (none: versions are not signed)")
            .requiring(k -> k.length() >= VersionSigner.MIN_KEY_CHARS, "at least 32 characters")
            .secret();

    /** {@code canary.enabled} as the streams application reads it; only the default of the two keys below. */
    static final Setting<Boolean> CANARY_ENABLED = Setting.bool("canary.enabled", false, "see StreamsKeys");

    public static final Setting<Boolean> FOLLOW_DECISIONS = Setting.bool(
                    "trainer.follow.decisions",
                    null,
                    "follow the canary decisions topic: after a version is rolled back (or fails its gate) the next"
                            + " version is trained from the last promoted one, and the version record says so")
            .describedDefault("canary.enabled");
    public static final Setting<Boolean> GATE_ENABLED = Setting.bool(
                    "trainer.gate.enabled",
                    null,
                    "before publishing, generate greedily on the held-out prompts with the new version and its parent"
                            + " and record each judge's passes in the version (the canary controller's gate)")
            .describedDefault("canary.enabled");
    public static final Setting<String> GATE_PROMPTS = Setting.string(
            "trainer.gate.prompts",
            null,
            "held-out prompt file of the gate, one prompt per line (JSON lines with a \"prompt\" field also"
                    + " read); none: the demo's built-in set");
    public static final Setting<Integer> GATE_MAX_TOKENS = Setting.integer(
                    "trainer.gate.max.tokens", 32, "token limit of each greedy generation of the gate")
            .requiring(n -> n > 0, "positive");

    public static final Setting<String> MODEL_DIR = Setting.string(
            "trainer.model.dir",
            null,
            "a Hugging Face Llama-family model directory to train (config.json, safetensors, tokenizer.json and"
                    + " tokenizer_config.json); none: the built-in byte-level model shaped by trainer.model.layers and"
                    + " the keys below");
    public static final Setting<Boolean> LORA_ENABLED = Setting.bool(
            "trainer.lora.enabled",
            true,
            "with trainer.model.dir: train LoRA adapters on the frozen base (false: full fine-tuning, small models"
                    + " only)");
    public static final Setting<Integer> LORA_RANK = Setting.integer(
                    "trainer.lora.rank", 16, "LoRA rank r of every adapted projection")
            .requiring(r -> r > 0, "positive");
    public static final Setting<Double> LORA_ALPHA = Setting.decimal(
                    "trainer.lora.alpha", 32.0, "LoRA alpha: the adapters' output is scaled by alpha / rank")
            .requiring(a -> a > 0 && !a.isInfinite(), "positive");
    public static final Setting<Double> LORA_DROPOUT = Setting.decimal(
                    "trainer.lora.dropout", 0.05, "dropout on the adapters' input while training")
            .requiring(d -> d >= 0 && d < 1, "in [0, 1)");
    public static final Setting<String> LORA_TARGET_MODULES = Setting.string(
                    "trainer.lora.target.modules",
                    String.join(",", LORA_ALL_TARGETS),
                    "comma-separated projections of every layer that get adapters (PEFT's target_modules)")
            .requiring(TrainerKeys::validTargets, "a comma-separated subset of " + String.join(",", LORA_ALL_TARGETS));

    public static final Setting<Integer> MODEL_LAYERS =
            Setting.integer("trainer.model.layers", MODEL.layers(), "transformer blocks of a new policy");
    public static final Setting<Integer> MODEL_WIDTH =
            Setting.integer("trainer.model.width", MODEL.width(), "hidden width (a multiple of trainer.model.heads)");
    public static final Setting<Integer> MODEL_HEADS =
            Setting.integer("trainer.model.heads", MODEL.heads(), "attention heads");
    public static final Setting<Integer> MODEL_CONTEXT =
            Setting.integer("trainer.model.context", MODEL.context(), "context length in tokens");
    public static final Setting<Integer> MODEL_MLP_RATIO =
            Setting.integer("trainer.model.mlp.ratio", MODEL.mlpRatio(), "MLP width as a multiple of the hidden width");
    public static final Setting<ModelConfig.Positions> MODEL_POSITIONS = Setting.enumeration(
            "trainer.model.positions", ModelConfig.Positions.class, MODEL.positions(), "position embeddings");
    public static final Setting<Boolean> MODEL_TIED = Setting.bool(
            "trainer.model.tied", MODEL.tiedHead(), "whether the output projection shares the token embedding");
    public static final Setting<Long> MODEL_SEED =
            Setting.longValue("trainer.model.seed", MODEL.seed(), "seed of a new policy's initial weights");

    public static final Setting<Double> OPTIMIZER_LR = Setting.decimal(
            "trainer.optimizer.lr",
            TrainerConfigFactory.ONLINE_LEARNING_RATE,
            "peak learning rate of online preference training (AdamW)");
    public static final Setting<Double> OPTIMIZER_BETA1 =
            Setting.decimal("trainer.optimizer.beta1", OPTIMIZER.beta1(), "AdamW beta1");
    public static final Setting<Double> OPTIMIZER_BETA2 =
            Setting.decimal("trainer.optimizer.beta2", OPTIMIZER.beta2(), "AdamW beta2");
    public static final Setting<Double> OPTIMIZER_EPS =
            Setting.decimal("trainer.optimizer.eps", OPTIMIZER.epsilon(), "AdamW epsilon");
    public static final Setting<Double> OPTIMIZER_WEIGHT_DECAY =
            Setting.decimal("trainer.optimizer.weight.decay", OPTIMIZER.weightDecay(), "AdamW decoupled weight decay");
    public static final Setting<Double> OPTIMIZER_MAX_GRAD_NORM = Setting.decimal(
            "trainer.optimizer.max.grad.norm", OPTIMIZER.maxGradNorm(), "gradient clipping by global norm");
    public static final Setting<Integer> OPTIMIZER_WARMUP_STEPS = Setting.integer(
            "trainer.optimizer.warmup.steps", OPTIMIZER.warmupSteps(), "linear learning-rate warm-up steps");

    public static final Setting<LossType> DPO_LOSS = Setting.enumeration(
            "trainer.dpo.loss",
            LossType.class,
            LossType.DPO_SIGMOID,
            "the paired loss of DPO pairs (KTO is refused: it is not paired)");

    public static final Setting<Integer> STALENESS_MAX_LAG = Setting.integer(
            "trainer.staleness.max.lag",
            STALENESS.maxVersionLag(),
            "policy versions an example may lag before the staleness action applies");
    public static final Setting<StalenessConfig.Action> STALENESS_ACTION = Setting.enumeration(
            "trainer.staleness.action",
            StalenessConfig.Action.class,
            STALENESS.action(),
            "what happens to an example lagging more than trainer.staleness.max.lag");
    public static final Setting<Double> STALENESS_FACTOR = Setting.decimal(
            "trainer.staleness.factor",
            STALENESS.downWeightFactor(),
            "weight factor of a stale example under DOWN_WEIGHT");

    public static final Setting<Integer> PUBLISH_EVERY_STEPS = Setting.integer(
            "trainer.publish.every.steps", 10, "publish a policy version after this many optimizer steps");
    public static final Setting<Duration> PUBLISH_EVERY = Setting.duration(
            "trainer.publish.every", Duration.ofSeconds(30), "or after this much time with at least one step");
    public static final Setting<Integer> PUBLISH_MAX_UNDECIDED = Setting.integer(
                    "trainer.publish.max.undecided",
                    null,
                    "published versions that may await their canary decision (waiting for or running as the canary)"
                            + " at once: with this many undecided the trainer keeps training but publishes its next"
                            + " version only when a decision arrives, so it never runs ahead of what serves; 0: no"
                            + " bound (every version published on time; those published while a canary runs wait"
                            + " and all but the newest are superseded). Needs trainer.follow.decisions")
            .describedDefault("1 with trainer.follow.decisions, else 0")
            .requiring(n -> n >= 0, "0 or more");
    public static final Setting<Duration> PUBLISH_HOLD_MAX = Setting.duration(
                    "trainer.publish.hold.max",
                    Duration.ofMinutes(30),
                    "the longest the trainer holds a version back for trainer.publish.max.undecided: it then"
                            + " publishes anyway (the version waits for the canary), so a trainer whose canary"
                            + " controller is not running still publishes")
            .requiring(d -> !d.isNegative() && !d.isZero(), "positive");
    public static final Setting<Duration> POLL_TIMEOUT = Setting.duration(
            "trainer.poll.timeout", Duration.ofMillis(200), "consumer poll timeout of the training loop");
    public static final Setting<Integer> MAX_POLL_RECORDS =
            Setting.integer("trainer.max.poll.records", 256, "consumer max.poll.records of the training loop");
    public static final Setting<Integer> REFERENCE_CACHE_ENTRIES =
            Setting.integer("trainer.reference.cache.entries", 200_000, "reference log-probabilities kept in memory");
    public static final Setting<String> WARMSTART_CORPUS = Setting.string(
            "trainer.warmstart.corpus",
            null,
            "a text file to pre-train version 0 on (none: start from random weights)");
    public static final Setting<Integer> WARMSTART_STEPS =
            Setting.integer("trainer.warmstart.steps", 300, "pre-training steps on the warm-start corpus");
    public static final Setting<Double> WARMSTART_LR = Setting.decimal(
            "trainer.warmstart.lr", OPTIMIZER.learningRate(), "learning rate of warm-start pre-training");
    public static final Setting<String> DEVICES = Setting.string(
            "trainer.devices",
            "auto",
            "auto (every GPU DJL sees, data parallel; else the CPU), or a list such as gpu0,gpu1 or cpu");
    public static final Setting<Duration> RETRY_BACKOFF = Setting.duration(
            "trainer.retry.backoff",
            Duration.ofMillis(100),
            "first wait before re-reading a record that failed for a transient reason (the schema"
                    + " registry unreachable); doubles per failed attempt");
    public static final Setting<Duration> RETRY_BACKOFF_MAX = Setting.duration(
            "trainer.retry.backoff.max",
            Duration.ofSeconds(10),
            "the longest such wait; the trainer retries as long as the outage lasts, never" + " skipping the record");

    /** The keys of one example source ({@code kto} or {@code dpo}). */
    public static final class Source {
        public final Setting<Boolean> enabled;
        public final Setting<Double> weight;
        public final Setting<Integer> batchSize;
        public final Setting<Double> klCoef;
        public final Setting<Double> beta;
        public final Setting<Double> labelSmoothing;
        public final Setting<Double> simpoGamma;
        public final Setting<Double> lambda;
        public final Setting<Double> desirableWeight;
        public final Setting<Double> undesirableWeight;

        private Source(String name) {
            String k = "trainer." + name + ".";
            enabled = Setting.bool(k + "enabled", true, "whether the trainer learns from " + name + " examples");
            weight = Setting.decimal(k + "weight", 1.0, "weight of the " + name + " loss in the total loss");
            batchSize = Setting.integer(k + "batch.size", 8, name + " examples per optimizer step");
            klCoef = Setting.decimal(
                    k + "kl.coef", 0.0, "per-token KL penalty toward the reference policy (0: the plain TRL loss)");
            beta = Setting.decimal(
                    k + "beta", LOSS.beta(), "beta: DPO/IPO/hinge/KTO/SimPO temperature (unused by ORPO)");
            labelSmoothing = Setting.decimal(
                    k + "label.smoothing",
                    LOSS.labelSmoothing(),
                    "label smoothing of the preference loss (conservative DPO)");
            simpoGamma = Setting.decimal(k + "simpo.gamma", LOSS.simpoGamma(), "SimPO target reward margin");
            lambda = Setting.decimal(k + "lambda", LOSS.lambda(), "ORPO's odds-ratio weight or CODPO's NLL weight");
            desirableWeight =
                    Setting.decimal(k + "desirable.weight", LOSS.desirableWeight(), "KTO weight of desirable examples");
            undesirableWeight = Setting.decimal(
                    k + "undesirable.weight", LOSS.undesirableWeight(), "KTO weight of undesirable examples");
        }

        List<Setting<?>> all() {
            return List.of(
                    enabled,
                    weight,
                    batchSize,
                    klCoef,
                    beta,
                    labelSmoothing,
                    simpoGamma,
                    lambda,
                    desirableWeight,
                    undesirableWeight);
        }
    }

    /** Keys of the KTO example source. */
    public static final Source KTO = new Source("kto");
    /** Keys of the DPO pair source. */
    public static final Source DPO = new Source("dpo");

    /** Every key above. */
    public static final List<Setting<?>> ALL = all();

    private TrainerKeys() {}

    /** The targets of {@link #LORA_TARGET_MODULES}'s value. */
    public static Set<LoraConfig.Target> targets(String modules) {
        Set<LoraConfig.Target> out = EnumSet.noneOf(LoraConfig.Target.class);
        for (String m : modules.split(",")) {
            out.add(LoraConfig.Target.of(m.strip()));
        }
        return out;
    }

    private static boolean validTargets(String modules) {
        try {
            return !targets(modules).isEmpty();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static List<Setting<?>> all() {
        List<Setting<?>> all = new ArrayList<>(List.of(
                MODEL_ID,
                GROUP_ID,
                TRANSACTIONAL_ID,
                CHECKPOINT_DIR,
                CHECKPOINT_MAX_BYTES,
                CHECKPOINT_STORE,
                CHECKPOINT_KAFKA_CHUNK_BYTES,
                CHECKPOINT_KAFKA_KEEP_LAST,
                VERSIONS_SIGNING_KEY,
                FOLLOW_DECISIONS,
                GATE_ENABLED,
                GATE_PROMPTS,
                GATE_MAX_TOKENS,
                MODEL_DIR,
                LORA_ENABLED,
                LORA_RANK,
                LORA_ALPHA,
                LORA_DROPOUT,
                LORA_TARGET_MODULES,
                MODEL_LAYERS,
                MODEL_WIDTH,
                MODEL_HEADS,
                MODEL_CONTEXT,
                MODEL_MLP_RATIO,
                MODEL_POSITIONS,
                MODEL_TIED,
                MODEL_SEED,
                OPTIMIZER_LR,
                OPTIMIZER_BETA1,
                OPTIMIZER_BETA2,
                OPTIMIZER_EPS,
                OPTIMIZER_WEIGHT_DECAY,
                OPTIMIZER_MAX_GRAD_NORM,
                OPTIMIZER_WARMUP_STEPS,
                DPO_LOSS,
                STALENESS_MAX_LAG,
                STALENESS_ACTION,
                STALENESS_FACTOR,
                PUBLISH_EVERY_STEPS,
                PUBLISH_EVERY,
                PUBLISH_MAX_UNDECIDED,
                PUBLISH_HOLD_MAX,
                POLL_TIMEOUT,
                MAX_POLL_RECORDS,
                REFERENCE_CACHE_ENTRIES,
                WARMSTART_CORPUS,
                WARMSTART_STEPS,
                WARMSTART_LR,
                DEVICES,
                RETRY_BACKOFF,
                RETRY_BACKOFF_MAX));
        all.addAll(KTO.all());
        all.addAll(DPO.all());
        return List.copyOf(all);
    }
}

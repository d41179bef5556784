package io.streamrlhf.trainer.config;

import io.streamrlhf.config.ClusterSettings;
import io.streamrlhf.config.Setting;
import io.streamrlhf.config.Settings;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.trainer.checkpoint.CheckpointStore;
import io.streamrlhf.trainer.checkpoint.CheckpointStoreConfig;
import io.streamrlhf.trainer.checkpoint.VersionSigner;
import io.streamrlhf.trainer.loss.LossConfig;
import io.streamrlhf.trainer.loss.LossType;
import io.streamrlhf.trainer.model.llama.LoraConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Reads a {@link TrainerConfig} from settings: the {@link TrainerKeys}, {@code bootstrap.servers}, {@code topic.*}
 * and the Kafka client overrides {@code kafka.*} / {@code trainer.kafka.*}. Every key but the cluster address has a
 * default that works on the embedded local stack.
 */
public final class TrainerConfigFactory {

    /**
     * Default peak rate of online preference training. Measured on the demo's tiny policy: 1e-4 raised the
     * held-out thumbs-up rate steadily for KTO and DPO, 3e-4 and 1e-3 collapsed it under KTO within a minute.
     */
    static final double ONLINE_LEARNING_RATE = 1e-4;

    private TrainerConfigFactory() {}

    /** Reads the keys listed in the class comment, defaulting each. */
    public static TrainerConfig fromProperties(Map<String, String> p) {
        String modelId = TrainerKeys.MODEL_ID.get(p);
        ModelConfig model = new ModelConfig(
                TrainerKeys.MODEL_LAYERS.get(p),
                TrainerKeys.MODEL_WIDTH.get(p),
                TrainerKeys.MODEL_HEADS.get(p),
                TrainerKeys.MODEL_CONTEXT.get(p),
                TrainerKeys.MODEL_MLP_RATIO.get(p),
                TrainerKeys.MODEL_POSITIONS.get(p),
                TrainerKeys.MODEL_TIED.get(p),
                TrainerKeys.MODEL_SEED.get(p));
        OptimizerConfig optimizer = new OptimizerConfig(
                TrainerKeys.OPTIMIZER_LR.get(p),
                TrainerKeys.OPTIMIZER_BETA1.get(p),
                TrainerKeys.OPTIMIZER_BETA2.get(p),
                TrainerKeys.OPTIMIZER_EPS.get(p),
                TrainerKeys.OPTIMIZER_WEIGHT_DECAY.get(p),
                TrainerKeys.OPTIMIZER_MAX_GRAD_NORM.get(p),
                TrainerKeys.OPTIMIZER_WARMUP_STEPS.get(p));
        SourceConfig kto = source(p, "kto", TrainerKeys.KTO, LossType.KTO);
        SourceConfig dpo = source(p, "dpo", TrainerKeys.DPO, TrainerKeys.DPO_LOSS.get(p));
        StalenessConfig staleness = new StalenessConfig(
                TrainerKeys.STALENESS_MAX_LAG.get(p),
                TrainerKeys.STALENESS_ACTION.get(p),
                TrainerKeys.STALENESS_FACTOR.get(p));
        String defaultId = "streamrlhf-trainer-" + modelId;
        boolean followDecisions =
                TrainerKeys.FOLLOW_DECISIONS.find(p).orElseGet(() -> TrainerKeys.CANARY_ENABLED.get(p));
        return new TrainerConfig(
                modelId,
                ClusterSettings.BOOTSTRAP_SERVERS.get(p),
                TrainerKeys.GROUP_ID.find(p).orElse(defaultId),
                TrainerKeys.TRANSACTIONAL_ID.find(p).orElse(defaultId),
                TopicNames.fromProperties(p),
                Path.of(TrainerKeys.CHECKPOINT_DIR.get(p)),
                model,
                optimizer,
                kto,
                dpo,
                staleness,
                TrainerKeys.PUBLISH_EVERY_STEPS.get(p),
                TrainerKeys.PUBLISH_EVERY.get(p),
                TrainerKeys.POLL_TIMEOUT.get(p),
                TrainerKeys.MAX_POLL_RECORDS.get(p),
                TrainerKeys.REFERENCE_CACHE_ENTRIES.get(p),
                TrainerKeys.WARMSTART_CORPUS.find(p).map(Path::of),
                TrainerKeys.WARMSTART_STEPS.get(p),
                TrainerKeys.WARMSTART_LR.get(p),
                TrainerKeys.DEVICES.get(p),
                TrainerKeys.RETRY_BACKOFF.get(p),
                TrainerKeys.RETRY_BACKOFF_MAX.get(p),
                Settings.kafkaOverrides(p, "trainer"),
                TrainerKeys.CHECKPOINT_MAX_BYTES.get(p),
                signer(p),
                hfModel(p),
                checkpointStore(p),
                followDecisions,
                gate(p),
                effectiveSettings(p),
                TrainerKeys.PUBLISH_MAX_UNDECIDED.find(p).orElse(followDecisions ? 1 : 0),
                TrainerKeys.PUBLISH_HOLD_MAX.get(p));
    }

    /** The gate's settings when {@code trainer.gate.enabled} (by default {@code canary.enabled}) is on. */
    static Optional<GateConfig> gate(Map<String, String> p) {
        boolean on = TrainerKeys.GATE_ENABLED.find(p).orElseGet(() -> TrainerKeys.CANARY_ENABLED.get(p));
        return on
                ? Optional.of(new GateConfig(
                        TrainerKeys.GATE_PROMPTS.find(p).map(Path::of), TrainerKeys.GATE_MAX_TOKENS.get(p)))
                : Optional.empty();
    }

    /**
     * Every trainer key's effective value (set, else its default; keys without either are left out), the topics the
     * trainer reads and writes, secrets masked: what a version records as its training configuration.
     */
    public static Map<String, String> effectiveSettings(Map<String, String> p) {
        Map<String, String> out = new TreeMap<>();
        for (Setting<?> s : TrainerKeys.ALL) {
            if (s.isFamily()) {
                continue;
            }
            Optional<?> value = s.find(p);
            String text = value.isPresent() ? String.valueOf(value.get()) : s.defaultText();
            if (text.isEmpty()) {
                continue;
            }
            out.put(s.name(), s.isSecret() && value.isPresent() ? "***" : text);
        }
        TopicNames names = TopicNames.fromProperties(p);
        out.put("topic.kto.examples", names.ktoExamples());
        out.put("topic.dpo.pairs", names.dpoPairs());
        out.put("topic.policy.versions", names.policyVersions());
        return out;
    }

    /** The Hugging Face model to train when {@code trainer.model.dir} is set. */
    static Optional<HfTrainingConfig> hfModel(Map<String, String> p) {
        return TrainerKeys.MODEL_DIR
                .find(p)
                .map(dir -> new HfTrainingConfig(
                        Path.of(dir),
                        TrainerKeys.LORA_ENABLED.get(p)
                                ? Optional.of(new LoraConfig(
                                        TrainerKeys.LORA_RANK.get(p),
                                        TrainerKeys.LORA_ALPHA.get(p),
                                        TrainerKeys.LORA_DROPOUT.get(p),
                                        TrainerKeys.targets(TrainerKeys.LORA_TARGET_MODULES.get(p)),
                                        false))
                                : Optional.empty()));
    }

    /** The checkpoint store's settings ({@code trainer.checkpoint.store} and the kafka store's keys). */
    public static CheckpointStoreConfig checkpointStore(Map<String, String> p) {
        return new CheckpointStoreConfig(
                TrainerKeys.CHECKPOINT_STORE.get(p),
                TrainerKeys.CHECKPOINT_KAFKA_CHUNK_BYTES.get(p),
                TrainerKeys.CHECKPOINT_KAFKA_KEEP_LAST.get(p));
    }

    /**
     * The checkpoint store the settings name ({@code trainer.checkpoint.store}), for the trainer, a sampler or
     * export: its clients get {@code kafka.*} overrides, then {@code <component>.kafka.*}.
     */
    public static CheckpointStore openCheckpointStore(
            Map<String, String> p, Topics topics, String bootstrapServers, String component) throws IOException {
        return checkpointStore(p)
                .open(
                        Path.of(TrainerKeys.CHECKPOINT_DIR.get(p)),
                        TrainerKeys.CHECKPOINT_MAX_BYTES.get(p),
                        topics,
                        bootstrapServers,
                        Settings.kafkaOverrides(p, component));
    }

    /** The versions signer when {@code versions.signing.key} is set: the trainer's and every sampler's. */
    public static Optional<VersionSigner> signer(Map<String, String> p) {
        return TrainerKeys.VERSIONS_SIGNING_KEY.ifSet(p).map(VersionSigner::new);
    }

    private static SourceConfig source(Map<String, String> p, String name, TrainerKeys.Source keys, LossType type) {
        LossConfig loss = new LossConfig(
                type,
                keys.beta.get(p),
                keys.labelSmoothing.get(p),
                keys.simpoGamma.get(p),
                keys.lambda.get(p),
                keys.desirableWeight.get(p),
                keys.undesirableWeight.get(p));
        return new SourceConfig(
                name, keys.enabled.get(p), loss, keys.weight.get(p), keys.batchSize.get(p), keys.klCoef.get(p));
    }
}

package io.streamrlhf.trainer.config;

import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.trainer.checkpoint.CheckpointStoreConfig;
import io.streamrlhf.trainer.checkpoint.VersionSigner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the online trainer needs; see {@link TrainerConfigFactory} for the property names and
 * defaults.
 *
 * @param modelId model family id, the key of versions and metrics (default {@code policy})
 * @param bootstrapServers Kafka bootstrap servers (default {@code localhost:9092})
 * @param groupId consumer group whose offsets are committed with each version
 *     (default {@code streamrlhf-trainer-<modelId>})
 * @param transactionalId stable transactional id; fences a previous incarnation
 *     (default {@code streamrlhf-trainer-<modelId>})
 * @param topics topic names
 * @param checkpointDir local checkpoint folder (default {@code data/checkpoints})
 * @param model model shape for a fresh start
 * @param optimizer optimizer settings
 * @param kto the KTO source
 * @param dpo the pair source
 * @param staleness admission rule
 * @param publishEverySteps publish after this many optimizer steps (default 10)
 * @param publishEvery or after this much time with new examples (default 30 s)
 * @param pollTimeout consumer poll timeout (default 200 ms)
 * @param maxPollRecords records per poll (default 256)
 * @param referenceCacheEntries reference log-prob cache bound (default 200000)
 * @param warmStartCorpus optional prompt/completion corpus for version 0 (default none)
 * @param warmStartSteps SFT steps for version 0 when a corpus is given (default 300)
 * @param warmStartLearningRate peak learning rate of the warm-start SFT (default 1e-3); online preference
 *     training uses the optimizer's own, lower rate (default 1e-4): at 3e-4 and above, KTO on a mostly
 *     undesirable stream collapsed the tiny default policy within a minute
 * @param devices {@code trainer.devices}: {@code auto} (every GPU DJL sees, data parallel across
 *     them; the CPU when there is none) or a list such as {@code gpu0,gpu1} or {@code cpu}
 * @param retryBackoff first wait before re-reading a record that failed for a transient reason, such
 *     as the schema registry being unreachable (default 100 ms); doubles per failed attempt
 * @param retryBackoffMax the longest such wait (default 10 s); the trainer retries for as long as
 *     the outage lasts, never skipping the record
 * @param kafkaOverrides Kafka client properties of the trainer's clients ({@code kafka.*}, then
 *     {@code trainer.kafka.*})
 * @param checkpointMaxBytes the largest checkpoint read (default 1 GiB)
 * @param signer signs every published version and refuses unsigned ones in the history (default none)
 * @param hfModel a Hugging Face model directory to train instead of the built-in byte-level model shaped by
 *     {@code model} (default none); its rows are at most {@code model.context()} tokens
 * @param checkpointStore where checkpoints live
 * @param followDecisions whether the trainer follows the canary decisions (rebases after a rollback)
 * @param gate the held-out gate's settings, when the trainer measures it
 * @param effectiveSettings every trainer key's effective value, recorded in each version's provenance
 * @param publishMaxUndecided how many published versions may await their canary decision before the trainer holds
 *     its next publish (it keeps training); 0: no bound. Default 1 with {@code followDecisions}, else 0
 * @param publishHoldMax the longest such a hold lasts before the trainer publishes anyway (default 30 min)
 */
public record TrainerConfig(
        String modelId,
        String bootstrapServers,
        String groupId,
        String transactionalId,
        TopicNames topics,
        Path checkpointDir,
        ModelConfig model,
        OptimizerConfig optimizer,
        SourceConfig kto,
        SourceConfig dpo,
        StalenessConfig staleness,
        int publishEverySteps,
        Duration publishEvery,
        Duration pollTimeout,
        int maxPollRecords,
        int referenceCacheEntries,
        Optional<Path> warmStartCorpus,
        int warmStartSteps,
        double warmStartLearningRate,
        String devices,
        Duration retryBackoff,
        Duration retryBackoffMax,
        Map<String, String> kafkaOverrides,
        long checkpointMaxBytes,
        Optional<VersionSigner> signer,
        Optional<HfTrainingConfig> hfModel,
        CheckpointStoreConfig checkpointStore,
        boolean followDecisions,
        Optional<GateConfig> gate,
        Map<String, String> effectiveSettings,
        int publishMaxUndecided,
        Duration publishHoldMax) {

    /**
     * A model id: {@code [A-Za-z0-9._-]+}, optionally followed by {@code @<branch>} (a replay branch's model,
     * trained from a version of the model before the {@code @}).
     */
    public static final String MODEL_ID_PATTERN = "[A-Za-z0-9._-]+(@[A-Za-z0-9_-]{1,64})?";

    /** The model id of {@code branch} of {@code modelId}: {@code <modelId>@<branch>}. */
    public static String branchModelId(String modelId, String branch) {
        return modelId + "@" + branch;
    }

    /** Validates, naming the bad value. */
    public TrainerConfig {
        kafkaOverrides = Map.copyOf(kafkaOverrides);
        effectiveSettings = Map.copyOf(effectiveSettings);
        if (modelId == null || !modelId.matches(MODEL_ID_PATTERN)) {
            throw new IllegalArgumentException(
                    "modelId must be [A-Za-z0-9._-]+, or <modelId>@<branch> for a replay branch, was " + modelId);
        }
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrapServers must be set, e.g. localhost:9092");
        }
        if (kto.loss().type().paired()) {
            throw new IllegalArgumentException(
                    "the kto source needs the KTO loss, not " + kto.loss().type());
        }
        if (!dpo.loss().type().paired()) {
            throw new IllegalArgumentException("the dpo source needs a paired loss, not KTO");
        }
        if (publishEverySteps < 1) {
            throw new IllegalArgumentException("publishEverySteps must be >= 1, was " + publishEverySteps);
        }
        if (publishEvery.isNegative() || publishEvery.isZero()) {
            throw new IllegalArgumentException("publishEvery must be positive, was " + publishEvery);
        }
        if (maxPollRecords < 1) {
            throw new IllegalArgumentException("maxPollRecords must be >= 1, was " + maxPollRecords);
        }
        if (!(warmStartLearningRate > 0) || Double.isInfinite(warmStartLearningRate)) {
            throw new IllegalArgumentException("trainer.warmstart.lr must be positive, was " + warmStartLearningRate);
        }
        if (devices == null || devices.isBlank()) {
            throw new IllegalArgumentException("trainer.devices must be auto or a device list, e.g. gpu0,gpu1");
        }
        if (retryBackoff == null
                || retryBackoff.isNegative()
                || retryBackoff.isZero()
                || retryBackoffMax == null
                || retryBackoffMax.compareTo(retryBackoff) < 0) {
            throw new IllegalArgumentException("trainer.retry.backoff must be positive and at most "
                    + "trainer.retry.backoff.max, were " + retryBackoff + " and " + retryBackoffMax);
        }
        if (hfModel.isPresent() && hfModel.get().lora().isPresent() && warmStartCorpus.isPresent()) {
            throw new IllegalArgumentException("a warm start (trainer.warmstart.corpus) trains the whole model, but"
                    + " trainer.lora.enabled is true: the reference, the base with the adapters off, would not be"
                    + " version 0; set trainer.lora.enabled=false or unset trainer.warmstart.corpus");
        }
        if (publishMaxUndecided < 0) {
            throw new IllegalArgumentException(
                    "trainer.publish.max.undecided must be 0 or more, was " + publishMaxUndecided);
        }
        if (publishMaxUndecided > 0 && !followDecisions) {
            throw new IllegalArgumentException("trainer.publish.max.undecided=" + publishMaxUndecided
                    + " paces publishing by the canary decisions, which the trainer reads only with"
                    + " trainer.follow.decisions=true; set it, or set trainer.publish.max.undecided=0");
        }
        if (publishHoldMax == null || publishHoldMax.isNegative() || publishHoldMax.isZero()) {
            throw new IllegalArgumentException("trainer.publish.hold.max must be positive, was " + publishHoldMax);
        }
        if (referenceCacheEntries < 1 || warmStartSteps < 0) {
            throw new IllegalArgumentException("referenceCacheEntries must be >= 1 and warmStartSteps >= 0");
        }
    }
}

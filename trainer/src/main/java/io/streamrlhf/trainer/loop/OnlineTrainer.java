package io.streamrlhf.trainer.loop;

import ai.djl.Device;
import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.avro.DpoPair;
import io.streamrlhf.avro.GateEvaluation;
import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.avro.PolicyStatus;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.avro.Provenance;
import io.streamrlhf.avro.TrainerMetrics;
import io.streamrlhf.schemas.serde.RecordDecodeException;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.schemas.util.Backoff;
import io.streamrlhf.trainer.batch.PairExample;
import io.streamrlhf.trainer.batch.SourceBatch;
import io.streamrlhf.trainer.batch.UnpairedExample;
import io.streamrlhf.trainer.canary.DecisionLog;
import io.streamrlhf.trainer.canary.GateEvaluator;
import io.streamrlhf.trainer.canary.PublishPacing;
import io.streamrlhf.trainer.canary.RebasePolicy;
import io.streamrlhf.trainer.checkpoint.Checkpoint;
import io.streamrlhf.trainer.checkpoint.CheckpointStore;
import io.streamrlhf.trainer.checkpoint.CorruptCheckpointException;
import io.streamrlhf.trainer.checkpoint.VersionVerifier;
import io.streamrlhf.trainer.config.SourceConfig;
import io.streamrlhf.trainer.config.TrainerConfig;
import io.streamrlhf.trainer.cpu.MklDispatch;
import io.streamrlhf.trainer.loop.PreferenceTrainer.StepResult;
import io.streamrlhf.trainer.model.Devices;
import io.streamrlhf.trainer.model.PolicyModel;
import io.streamrlhf.trainer.model.ReferenceModel;
import io.streamrlhf.trainer.model.TrainableModel;
import io.streamrlhf.trainer.optim.AdamW;
import io.streamrlhf.trainer.parallel.DataParallel;
import io.streamrlhf.trainer.publish.PublishHooks;
import io.streamrlhf.trainer.publish.TrainingProvenance;
import io.streamrlhf.trainer.publish.VersionExamples;
import io.streamrlhf.trainer.publish.VersionHistory;
import io.streamrlhf.trainer.publish.VersionPublisher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The online training loop: consumes KTO examples and DPO pairs ({@code read_committed}, no auto
 * commit), admits them by staleness, trains micro-batches per source with accumulated gradients,
 * and publishes versions exactly once through {@link VersionPublisher}.
 *
 * <p><b>Recovery.</b> On start the transactional producer is initialised first (fencing a crashed
 * predecessor and aborting its open transaction), then the committed versions are read; the latest
 * one's checkpoint is loaded (weights and AdamW state) and consumption resumes from the group's
 * committed offsets, which were committed in the same transaction as that version. Checkpoints no
 * committed version points to are deleted. With no version yet, version 0 is made (warm start from
 * the corpus when configured) and published with status WARM_START. The reference model is always
 * version 0. The history is read through a {@link VersionVerifier}: a version that is unsigned while
 * {@code versions.signing.key} is set, badly signed, not newer than the versions before it, with an unknown
 * parent or a checkpoint outside the store is refused and never becomes the resume point; a resume point whose
 * checkpoint names another model or version stops the trainer.
 *
 * <p><b>Corrections.</b> A {@code KtoExample} (or {@code DpoPair}) with weight 0 cancels the
 * pending example with the same id if it has not been trained yet; if it was already trained the
 * gradient cannot be undone, so it is counted as {@code cancelled/late} and the streams side is
 * expected to follow with the corrected label (a {@code correction=true} example with weight > 0),
 * which is trained like any example. A correction arriving while the earlier emission is still
 * pending replaces it. Every consumed offset, trained or not, belongs to the next version's
 * lineage.
 *
 * <p><b>Outages.</b> A record that cannot be decoded because the schema registry cannot be asked
 * ({@link RecordDecodeException#isTransient()}) is not consumed: its offset is not recorded, it is
 * not counted invalid, its partition is sought back to it and read again after a bounded exponential
 * backoff ({@code trainer.retry.backoff}, {@code trainer.retry.backoff.max}), for as long as the
 * outage lasts; each attempt is logged with its coordinates and counted as {@code retries/registry}.
 * Only a record bad in itself is counted {@code invalid} and absorbed into the lineage.
 *
 * <p><b>Models.</b> The policy is the built-in byte-level model, or with {@code trainer.model.dir} a Hugging Face
 * Llama-family directory trained through LoRA (or whole); {@link PolicyFactory} makes either, and the loop sees
 * only a {@link TrainableModel}. For the Hugging Face model the reference is the base with its adapters off, and a
 * checkpoint holds the adapters (the trained weights) and their optimizer state.
 *
 * <p><b>Canaries.</b> With {@code trainer.follow.decisions} the trainer follows the canary decisions topic: when a
 * version its weights descend from is rolled back or fails its gate, it reloads the last promoted version's weights
 * and optimizer state, reads again what it consumed since the last committed version, and the next version names
 * the promoted one as its parent ({@code rebasedFrom}, {@code rebaseReason}); the rolled-back lineage is not trained
 * again. With a {@link GateEvaluator} every version records the held-out pass counts of itself and its parent.
 * Every version records its provenance ({@link TrainingProvenance}).
 *
 * <p><b>Branches.</b> With {@link #branchFrom} the model id is a replay branch ({@code <modelId>@<branch>}): with no
 * version of its own yet it starts from a committed version of the base model (weights and AdamW state) instead of a
 * warm start, keeps the base's version numbers (its first version is the base version + 1, naming the base model
 * in {@code parentModelId}) and uses the base's version 0 as its reference. With {@link #stopAtEnd} it stops by
 * itself once it consumed its example topics up to the end offsets they had when it started, publishing what it
 * trained since its last version first.
 *
 * <p>One trainer instance per model: partitions are assigned, not subscribed.
 */
public final class OnlineTrainer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OnlineTrainer.class);
    private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(60);

    /**
     * Where a replay branch starts.
     *
     * @param modelId the base model's id
     * @param version the base version, or empty for the base model's latest committed version
     */
    public record BranchBase(String modelId, java.util.OptionalLong version) {
        public BranchBase {
            java.util.Objects.requireNonNull(modelId, "modelId");
            java.util.Objects.requireNonNull(version, "version");
        }
    }

    /** Lifecycle state. */
    public enum State {
        CREATED,
        RECOVERING,
        RUNNING,
        STOPPED,
        FAILED
    }

    private final TrainerConfig config;
    private final GateEvaluator gate;
    /** The gate's pass counts per version, so a parent is generated for once. */
    private final Map<Long, Map<String, Integer>> gatePasses = new HashMap<>();

    private final Topics topics;
    private final PublishHooks hooks;
    private final Admission admission;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final Backoff retryBackoff;
    private final AtomicLong registryRetries = new AtomicLong();
    private final Set<TopicPartition> waitingForRegistry = new HashSet<>();
    private volatile State state = State.CREATED;
    private volatile long currentVersion = -1;
    private final AtomicLong steps = new AtomicLong();
    private final AtomicLong examplesConsumed = new AtomicLong();
    private final AtomicLong invalidRecords = new AtomicLong();
    private final AtomicLong versionsPublished = new AtomicLong();
    private volatile long lastPublishMillis;
    private volatile Map<String, Double> lastStepSnapshot = Map.of();
    private volatile BiConsumer<Producer<?, ?>, Consumer<?, ?>> clientsListener = (p, c) -> {};
    private volatile BranchBase branchBase;
    private volatile boolean stopAtEnd;
    /** The end offsets to stop at ({@link #stopAtEnd}), taken once the partitions are assigned. */
    private Map<TopicPartition, Long> endOffsets = Map.of();
    /** The parent model of the next version when it is the branch base's, else null. */
    private String nextParentModelId;

    private ExampleBuffer<UnpairedExample> ktoBuffer = newKtoBuffer();
    private ExampleBuffer<PairExample> dpoBuffer = newDpoBuffer();
    private final LineageTracker lineage = new LineageTracker();
    private final List<TrainerMetrics> pendingMetrics = new ArrayList<>();
    private final Map<String, Double> counters = new LinkedHashMap<>();
    private Map<String, Double> lastStepMetrics = Map.of();
    private double lagSum;
    private long lagCount;
    private long stepsSinceParent;
    private Instant parentTime = Instant.now();
    /** The version whose weights are being trained on: the next version's parent. */
    private volatile long baseVersion = -1;
    /** Set by a rebase until the next version is published: the version dropped, and why. */
    private Long rebasedFrom;

    private String rebaseReason = "";
    private final Map<Long, PolicyVersion> committed = new HashMap<>();
    private PolicyVersion versionZero;
    private DecisionLog decisions;
    private RebasePolicy rebasePolicy;
    /** With {@code trainer.publish.max.undecided}: whether the next version may be published yet. */
    private PublishPacing pacing;
    /** When the current hold of the next version began, null while none is held. */
    private Instant holdStarted;
    /** How long the next version was held back in all, for its summary metrics. */
    private Duration heldSinceParent = Duration.ZERO;

    private volatile boolean publishHeld;
    private Provenance provenance;

    private KafkaProducer<String, byte[]> producer;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private CheckpointStore store;
    private VersionPublisher publisher;
    private PolicyFactory factory;
    private TrainableModel policy;
    private List<Device> devices;
    private DataParallel parallel;
    private ReferenceModel reference;
    private AdamW optimizer;
    private PreferenceTrainer trainer;

    /** A trainer; nothing connects until {@link #run()}. */
    public OnlineTrainer(TrainerConfig config, Topics topics, PublishHooks hooks) {
        this(config, topics, hooks, null);
    }

    /**
     * A trainer that records the pre-canary gate's held-out pass rates of each version and its parent when
     * {@code gate} is given (the application builds it from {@code trainer.gate.*} and the judges); nothing
     * connects until {@link #run()}.
     */
    public OnlineTrainer(TrainerConfig config, Topics topics, PublishHooks hooks, GateEvaluator gate) {
        this.gate = gate;
        this.config = config;
        this.topics = topics;
        this.hooks = hooks;
        this.admission = new Admission(config.staleness());
        // Before anything loads libtorch (recovery, checkpoints, the model), or MKL binds to its slower AMD paths.
        MklDispatch.ensureLoaded();
        this.retryBackoff = new Backoff(config.retryBackoff(), config.retryBackoffMax());
    }

    /**
     * Whether a version is due but held back because {@code trainer.publish.max.undecided} versions await their
     * canary decision; thread-safe.
     */
    public boolean publishHeld() {
        return publishHeld;
    }

    /** Current lifecycle state. */
    public State state() {
        return state;
    }

    /** The version being trained on (the last committed one), -1 before recovery. */
    public long currentVersion() {
        return currentVersion;
    }

    /**
     * The version whose weights are trained on, the next version's parent: the current version, or after a
     * rollback of one of its ancestors the last promoted version; -1 before recovery.
     */
    public long baseVersion() {
        return baseVersion;
    }

    /**
     * Records read again because the schema registry could not be asked, since this instance started
     * (per version, the same count is the {@code retries/registry} metric).
     */
    public long registryRetries() {
        return registryRetries.get();
    }

    /**
     * What this instance did since it started, for metrics; thread-safe.
     *
     * @param steps optimizer steps taken
     * @param examplesConsumed example records read (trained, cancelled, dropped or invalid); after a rebase the
     *     records consumed since the last committed version are read, and counted, again
     * @param invalidRecords records skipped because they are bad in themselves
     * @param versionsPublished versions committed, the warm start included
     * @param lastPublishMillis epoch ms of the last committed version, 0 before the first
     * @param lastStepMetrics each step metric's latest value (losses under {@code loss/<source>}, from the
     *     last step that trained that source), empty before the first step
     */
    public record Stats(
            long steps,
            long examplesConsumed,
            long invalidRecords,
            long versionsPublished,
            long lastPublishMillis,
            Map<String, Double> lastStepMetrics) {}

    /** What this instance did since it started. */
    public Stats stats() {
        return new Stats(
                steps.get(),
                examplesConsumed.get(),
                invalidRecords.get(),
                versionsPublished.get(),
                lastPublishMillis,
                lastStepSnapshot);
    }

    /**
     * Told the transactional producer and the consumer once recovery created them (for metrics binders, which
     * only read their {@code metrics()}); set before {@link #run()}.
     */
    public void onClientsCreated(BiConsumer<Producer<?, ?>, Consumer<?, ?>> listener) {
        this.clientsListener = listener;
    }

    /**
     * Makes this trainer's model a branch of {@code base}: when its model id has no committed version, it starts from
     * the base's version rather than a warm start. Set before {@link #run()}.
     */
    public OnlineTrainer branchFrom(BranchBase base) {
        this.branchBase = java.util.Objects.requireNonNull(base, "base");
        return this;
    }

    /**
     * Makes {@link #run()} return once every example partition was consumed up to its end offset (the last stable
     * offset) as of recovery, after training what is pending and publishing it as one more version. Set before
     * {@link #run()}.
     */
    public OnlineTrainer stopAtEnd() {
        this.stopAtEnd = true;
        return this;
    }

    /** Asks the loop to stop after the current poll; thread-safe. */
    public void stop() {
        running.set(false);
        stopRequested.countDown();
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    /** Recovers, then trains until {@link #stop()} or a failure (rethrown). Blocks. */
    public void run() {
        try {
            state = State.RECOVERING;
            recover();
            state = State.RUNNING;
            LOG.info("Trainer for {} running from version {}", config.modelId(), currentVersion);
            loop();
            state = State.STOPPED;
        } catch (RuntimeException | Error e) {
            state = State.FAILED;
            throw e;
        } catch (IOException e) {
            state = State.FAILED;
            throw new UncheckedIOException(e);
        } finally {
            close();
        }
    }

    private void loop() throws IOException {
        while (running.get()) {
            followDecisions();
            ConsumerRecords<byte[], byte[]> records;
            try {
                records = consumer.poll(config.pollTimeout());
            } catch (WakeupException e) {
                if (!running.get()) {
                    break;
                }
                throw e;
            }
            // Partitions whose next record hit a transient failure: the rest of their batch waits too,
            // so offsets stay in order and nothing after the failed record is consumed ahead of it.
            Set<TopicPartition> retrying = new HashSet<>();
            for (ConsumerRecord<byte[], byte[]> record : records) {
                TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                if (retrying.contains(tp)) {
                    continue;
                }
                if (handle(record)) {
                    waitingForRegistry.remove(tp);
                } else {
                    retrying.add(tp);
                    waitingForRegistry.add(tp);
                    consumer.seek(tp, record.offset());
                }
            }
            if (!retrying.isEmpty()) {
                awaitRetry();
            } else if (waitingForRegistry.isEmpty()) {
                // The backoff grows across polls until every partition that failed has read on again.
                retryBackoff.reset();
            }
            trainReady(false);
            if (shouldPublish() && !holdPublish()) {
                trainReady(true);
                publish();
            }
            if (stopAtEnd && waitingForRegistry.isEmpty() && reachedEnd()) {
                trainReady(true);
                if (!lineage.isEmpty()) {
                    publish();
                }
                LOG.info("{} consumed its examples up to {}; stopping", config.modelId(), endOffsets);
                break;
            }
        }
    }

    private boolean reachedEnd() {
        for (Map.Entry<TopicPartition, Long> e : endOffsets.entrySet()) {
            if (consumer.position(e.getKey(), KAFKA_TIMEOUT) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private void recover() throws IOException {
        devices = Devices.parse(config.devices());
        factory = PolicyFactory.of(config, devices.get(0));
        store = config.checkpointStore()
                .open(
                        config.checkpointDir(),
                        config.checkpointMaxBytes(),
                        topics,
                        config.bootstrapServers(),
                        config.kafkaOverrides());
        producer = new KafkaProducer<>(producerProperties(), new StringSerializer(), new ByteArraySerializer());
        producer.initTransactions();
        VersionVerifier verifier = new VersionVerifier(config.modelId(), config.signer(), store);
        VersionHistory history = VersionHistory.read(
                config.bootstrapServers(),
                config.kafkaOverrides(),
                topics.policyVersions(),
                config.modelId(),
                verifier,
                KAFKA_TIMEOUT);
        if (verifier.refused() > 0) {
            LOG.warn(
                    "Refused {} forged or invalid versions of {}: {}",
                    verifier.refused(),
                    config.modelId(),
                    verifier.refusals());
        }
        deleteUncommittedCheckpoints(history);
        publisher = new VersionPublisher(
                config.modelId(),
                store,
                producer,
                topics.policyVersions(),
                topics.trainerMetrics(),
                hooks,
                config.signer());
        provenance = TrainingProvenance.of(config);
        history.versions().forEach(v -> committed.put(v.getVersion(), v));
        versionZero = history.version(0).orElse(null);
        if (versionZero == null && branchBase != null) {
            // A branch has no version 0 of its own: its reference is the base model's.
            versionZero = baseHistory(branchBase).version(0).orElse(null);
        }
        if (config.followDecisions()) {
            rebasePolicy = new RebasePolicy(config.modelId());
            history.versions().forEach(v -> rebasePolicy.version(v.getVersion(), v.getParentVersion()));
            decisions = new DecisionLog(config.bootstrapServers(), config.kafkaOverrides(), topics.policyDecisions());
            List<CanaryDecision> decided = decisions.readToEnd(KAFKA_TIMEOUT);
            decided.forEach(rebasePolicy::apply);
            if (config.publishMaxUndecided() > 0) {
                pacing = new PublishPacing(config.modelId(), config.publishMaxUndecided());
                history.versions().forEach(v -> pacing.published(v.getVersion()));
                decided.forEach(pacing::apply);
            }
        }
        Optional<PolicyVersion> latest = history.latest();
        if (latest.isEmpty() && branchBase != null) {
            startFromBase(branchBase);
        } else if (latest.isEmpty()) {
            warmStart();
            parallel = factory.parallel(policy, devices);
            trainer = new PreferenceTrainer(policy, reference, optimizer, parallel);
        } else {
            PolicyVersion v = latest.get();
            currentVersion = v.getVersion();
            PolicyVersion base = v;
            Optional<RebasePolicy.Rebase> rebase =
                    rebasePolicy == null ? Optional.empty() : rebasePolicy.rebaseFor(v.getVersion());
            if (rebase.isPresent()) {
                base = target(rebase.get());
                rebasedFrom = rebase.get().droppedFrom();
                rebaseReason = rebase.get().reason();
            }
            buildTraining(base);
            LOG.info(
                    "Resumed {} at version {} from the weights of version {}{} (optimizer step {})",
                    config.modelId(),
                    currentVersion,
                    baseVersion,
                    rebase.map(r -> ", rebased after " + r.reason()).orElse(""),
                    optimizer.step());
        }
        consumer = new KafkaConsumer<>(consumerProperties(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (SourceConfig source : List.of(config.kto(), config.dpo())) {
            if (source.enabled()) {
                String topic = source == config.kto()
                        ? topics.ktoExamples().name()
                        : topics.dpoPairs().name();
                for (PartitionInfo info : consumer.partitionsFor(topic, KAFKA_TIMEOUT)) {
                    partitions.add(new TopicPartition(info.topic(), info.partition()));
                }
            }
        }
        consumer.assign(partitions);
        clientsListener.accept(producer, consumer);
        seekToCommitted();
        if (stopAtEnd) {
            // read_committed: the last stable offsets, so an open transaction's records are not waited for.
            endOffsets = Map.copyOf(consumer.endOffsets(partitions, KAFKA_TIMEOUT));
        }
        parentTime = Instant.now();
    }

    /** Positions every assigned partition at the offsets committed with the last version (or its beginning). */
    private void seekToCommitted() {
        Set<TopicPartition> partitions = consumer.assignment();
        Map<TopicPartition, OffsetAndMetadata> offsets = consumer.committed(partitions, KAFKA_TIMEOUT);
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata offset = offsets.get(tp);
            if (offset == null) {
                consumer.seekToBeginning(List.of(tp));
            } else {
                consumer.seek(tp, offset.offset());
            }
        }
    }

    /** Loads {@code base}'s weights and optimizer state and builds the training parts around them. */
    private void buildTraining(PolicyVersion base) throws IOException {
        Checkpoint checkpoint = readOwn(base);
        policy = factory.resume(checkpoint);
        optimizer = new AdamW(config.optimizer(), policy.trainableParameters());
        optimizer.importState(checkpoint.optimizerState());
        baseVersion = base.getVersion();
        reference = new ReferenceModel(referenceFor(base), config.referenceCacheEntries());
        parallel = factory.parallel(policy, devices);
        if (parallel != null) {
            LOG.info("Data parallel over {}: master weights and optimizer on {}", devices, devices.get(0));
        }
        trainer = new PreferenceTrainer(policy, reference, optimizer, parallel);
    }

    /** The committed version a rebase continues from: the last promoted one, else version 0. */
    private PolicyVersion target(RebasePolicy.Rebase rebase) {
        PolicyVersion target = committed.get(rebase.target());
        if (target == null) {
            LOG.warn(
                    "Promoted version {} of {} is not among the accepted versions; continuing from version 0",
                    rebase.target(),
                    config.modelId());
            target = versionZero;
        }
        if (target == null) {
            throw new IllegalStateException("no version of " + config.modelId() + " to continue from after "
                    + rebase.reason() + ": neither version " + rebase.target() + " nor version 0 is committed");
        }
        return target;
    }

    /**
     * Applies the canary decisions committed since the last look; when one rejects a version the weights descend
     * from, drops them and everything consumed since the last version (those offsets are read again: no committed
     * version absorbed them), and continues from the last promoted version's weights and optimizer state.
     */
    private void followDecisions() throws IOException {
        if (decisions == null) {
            return;
        }
        List<CanaryDecision> news = decisions.poll();
        if (news.isEmpty()) {
            return;
        }
        news.forEach(rebasePolicy::apply);
        if (pacing != null) {
            news.forEach(pacing::apply);
        }
        Optional<RebasePolicy.Rebase> rebase = rebasePolicy.rebaseFor(baseVersion);
        if (rebase.isEmpty()) {
            return;
        }
        PolicyVersion target = target(rebase.get());
        LOG.warn(
                "{} after {}: dropping the weights of version {} and continuing from version {}",
                config.modelId(),
                rebase.get().reason(),
                baseVersion,
                target.getVersion());
        closeTraining();
        buildTraining(target);
        rebasedFrom = rebase.get().droppedFrom();
        rebaseReason = rebase.get().reason();
        ktoBuffer = newKtoBuffer();
        dpoBuffer = newDpoBuffer();
        lineage.clear();
        pendingMetrics.clear();
        counters.clear();
        waitingForRegistry.clear();
        lagSum = 0;
        lagCount = 0;
        stepsSinceParent = 0;
        lastStepMetrics = Map.of();
        // What was held back descends from the rejected version: the rebased version starts a hold of its own.
        holdStarted = null;
        publishHeld = false;
        heldSinceParent = Duration.ZERO;
        seekToCommitted();
        parentTime = Instant.now();
    }

    private static ExampleBuffer<UnpairedExample> newKtoBuffer() {
        return new ExampleBuffer<>(UnpairedExample::id, 100_000);
    }

    private static ExampleBuffer<PairExample> newDpoBuffer() {
        return new ExampleBuffer<>(PairExample::id, 100_000);
    }

    private TrainableModel referenceFor(PolicyVersion loaded) throws IOException {
        PolicyVersion zero = versionZero;
        if (zero == null) {
            LOG.warn(
                    "Version 0 of {} not found; using version {} as the reference",
                    config.modelId(),
                    loaded.getVersion());
            zero = loaded;
        }
        PolicyVersion base = zero;
        boolean same =
                base.getVersion() == loaded.getVersion() && base.getModelId().equals(loaded.getModelId());
        return factory.reference(policy, same ? null : () -> readVersion(base.getModelId(), base));
    }

    /** The committed versions of the branch base's model, checked like this model's own. */
    private VersionHistory baseHistory(BranchBase base) {
        VersionVerifier verifier = new VersionVerifier(base.modelId(), config.signer(), store);
        return VersionHistory.read(
                config.bootstrapServers(),
                config.kafkaOverrides(),
                topics.policyVersions(),
                base.modelId(),
                verifier,
                KAFKA_TIMEOUT);
    }

    /**
     * The first start of a branch: the base version's weights and optimizer state, its number as the current
     * version (examples carry the base model's version numbers, which staleness compares with), and the base's
     * version 0 as the reference. Nothing is published until the first trained version.
     */
    private void startFromBase(BranchBase base) throws IOException {
        VersionHistory history = baseHistory(base);
        PolicyVersion v = (base.version().isPresent()
                        ? history.version(base.version().getAsLong())
                        : history.latest())
                .orElseThrow(() -> new IllegalStateException("branch " + config.modelId() + ": the base model "
                        + base.modelId() + " has no committed version "
                        + (base.version().isPresent()
                                ? String.valueOf(base.version().getAsLong())
                                : "at all")));
        Checkpoint checkpoint = readVersion(base.modelId(), v);
        policy = factory.resume(checkpoint);
        optimizer = new AdamW(config.optimizer(), policy.trainableParameters());
        optimizer.importState(checkpoint.optimizerState());
        currentVersion = v.getVersion();
        nextParentModelId = base.modelId();
        baseVersion = v.getVersion();
        reference = new ReferenceModel(referenceFor(v), config.referenceCacheEntries());
        parallel = factory.parallel(policy, devices);
        trainer = new PreferenceTrainer(policy, reference, optimizer, parallel);
        LOG.info("Branch {} starts from {} version {}", config.modelId(), base.modelId(), currentVersion);
    }

    /** The checkpoint of {@code v}, refused when its own header names another model or version. */
    private Checkpoint readOwn(PolicyVersion v) throws IOException {
        return readVersion(config.modelId(), v);
    }

    /** The checkpoint of {@code v} of {@code modelId}, refused when its header names another model or version. */
    private Checkpoint readVersion(String modelId, PolicyVersion v) throws IOException {
        Checkpoint c = store.read(URI.create(v.getCheckpointUri()), v.getSha256());
        if (!c.modelId().equals(modelId) || c.version() != v.getVersion()) {
            throw new CorruptCheckpointException("version " + v.getVersion() + " of " + modelId
                    + " points to " + v.getCheckpointUri() + ", a checkpoint of " + c.modelId() + " version "
                    + c.version() + "; refusing to resume from it");
        }
        return c;
    }

    private void warmStart() throws IOException {
        Map<String, Double> summary = new LinkedHashMap<>();
        policy = factory.start(summary);
        optimizer = new AdamW(config.optimizer(), policy.trainableParameters());
        Checkpoint c = Checkpoint.of(
                config.modelId(),
                0,
                -1,
                config.model(),
                policy,
                factory.layout(policy),
                config.optimizer(),
                optimizer.exportState());
        PolicyVersion published = publisher.publish(new VersionPublisher.Request(
                c,
                PolicyStatus.WARM_START,
                List.of(),
                Map.of(),
                null,
                summary,
                List.of(),
                null,
                "",
                provenance,
                null,
                null));
        committed.put(0L, published);
        versionZero = published;
        if (rebasePolicy != null) {
            rebasePolicy.version(0, null);
        }
        if (pacing != null) {
            pacing.published(0);
        }
        currentVersion = 0;
        baseVersion = 0;
        versionsPublished.incrementAndGet();
        lastPublishMillis = System.currentTimeMillis();
        reference = new ReferenceModel(factory.reference(policy, null), config.referenceCacheEntries());
    }

    private void deleteUncommittedCheckpoints(VersionHistory history) throws IOException {
        // Refused versions keep their files too: turning signing on must not delete the checkpoints of the
        // unsigned versions before it.
        Set<String> committed = new HashSet<>();
        history.versions().forEach(v -> committed.add(v.getCheckpointUri()));
        history.refused().forEach(v -> committed.add(v.getCheckpointUri()));
        for (URI uri : store.deleteUnreferenced(config.modelId(), committed)) {
            LOG.info("Deleted checkpoint {}: no committed version refers to it", uri);
        }
    }

    /** Waits out the backoff after a transient failure; returns early when stopped. */
    private void awaitRetry() {
        try {
            stopRequested.await(retryBackoff.next().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running.set(false);
        }
    }

    /**
     * Consumes one record: decodes and admits it, or counts it invalid when it is bad in itself.
     *
     * @return false when it could not be decoded for a transient reason and must be read again; it is
     *     then neither recorded in the lineage nor counted
     */
    private boolean handle(ConsumerRecord<byte[], byte[]> record) {
        Object decoded;
        try {
            decoded = decode(record);
        } catch (RuntimeException e) {
            if (e instanceof RecordDecodeException d && d.isTransient()) {
                count("retries/registry");
                registryRetries.incrementAndGet();
                LOG.warn(
                        "Cannot decode {}-{}@{} yet ({}); reading it again after attempt {}",
                        record.topic(),
                        record.partition(),
                        record.offset(),
                        d.reason(),
                        retryBackoff.attempts() + 1,
                        e);
                return false;
            }
            absorb(record);
            skipInvalid(record, e);
            return true;
        }
        absorb(record);
        try {
            if (decoded instanceof KtoExample e) {
                UnpairedExample example = new UnpairedExample(
                        e.getExampleId(),
                        e.getPrompt(),
                        e.getCompletion(),
                        e.getLabel(),
                        e.getWeight(),
                        e.getTruncated());
                admit(ktoBuffer, example, e.getPolicyVersion(), e.getCorrection(), example::withWeight);
            } else {
                DpoPair p = (DpoPair) decoded;
                long version = Math.min(p.getChosenPolicyVersion(), p.getRejectedPolicyVersion());
                PairExample example = new PairExample(
                        p.getPairId(),
                        p.getPrompt(),
                        p.getChosen(),
                        p.getRejected(),
                        p.getWeight(),
                        p.getChosenTruncated(),
                        p.getRejectedTruncated());
                admit(dpoBuffer, example, version, false, example::withWeight);
            }
        } catch (RuntimeException e) {
            skipInvalid(record, e);
        }
        return true;
    }

    /** The record is consumed: its offset joins the next version's lineage. */
    private void absorb(ConsumerRecord<byte[], byte[]> record) {
        lineage.record(new TopicPartition(record.topic(), record.partition()), record.offset());
        // Counted here rather than read off the lineage: its ranges also span transaction markers.
        count(VersionExamples.CONSUMED);
        count(VersionExamples.CONSUMED_PREFIX
                + (record.topic().equals(topics.ktoExamples().name()) ? "kto" : "dpo"));
        examplesConsumed.incrementAndGet();
    }

    private void skipInvalid(ConsumerRecord<byte[], byte[]> record, RuntimeException e) {
        // Streams owns dead letters; the trainer skips what is bad in itself and counts it.
        count("invalid");
        invalidRecords.incrementAndGet();
        LOG.warn("Skipping unreadable record {}-{}@{}", record.topic(), record.partition(), record.offset(), e);
    }

    private Object decode(ConsumerRecord<byte[], byte[]> record) {
        Object value = record.topic().equals(topics.ktoExamples().name())
                ? topics.ktoExamples().valueSerde().deserializer().deserialize(record.topic(), record.value())
                : topics.dpoPairs().valueSerde().deserializer().deserialize(record.topic(), record.value());
        if (value == null) {
            throw new IllegalArgumentException("null value");
        }
        return value;
    }

    private <E> void admit(
            ExampleBuffer<E> buffer,
            E example,
            long exampleVersion,
            boolean correction,
            java.util.function.DoubleFunction<E> withWeight) {
        double weight = example instanceof UnpairedExample u ? u.weight() : ((PairExample) example).weight();
        if (weight <= 0) {
            ExampleBuffer.Outcome outcome = buffer.offer(example, true);
            count(
                    outcome == ExampleBuffer.Outcome.CANCELLED
                            ? "cancelled"
                            : outcome == ExampleBuffer.Outcome.CANCELLED_LATE ? "cancelled/late" : "cancelled/unknown");
            return;
        }
        Admission.Decision decision = admission.decide(currentVersion, exampleVersion, weight);
        if (!decision.admitted()) {
            count("dropped/stale");
            return;
        }
        if (decision.downWeighted()) {
            count("downweighted/stale");
        }
        lagSum += decision.lag();
        lagCount++;
        ExampleBuffer.Outcome outcome = buffer.offer(withWeight.apply(decision.weight()), false);
        if (outcome == ExampleBuffer.Outcome.REPLACED || correction) {
            count("corrections");
        }
    }

    private void trainReady(boolean flush) {
        while (true) {
            boolean dpoReady = ready(dpoBuffer.size(), config.dpo(), flush);
            boolean ktoReady = ready(ktoBuffer.size(), config.kto(), flush);
            if (!dpoReady && !ktoReady) {
                return;
            }
            List<SourceBatch> batches = new ArrayList<>(2);
            if (dpoReady) {
                SourceConfig s = config.dpo();
                batches.add(new SourceBatch.Pairs(
                        s.name(), s.loss(), s.weight(), dpoBuffer.take(s.batchSize()), s.klCoef()));
            }
            if (ktoReady) {
                SourceConfig s = config.kto();
                batches.add(new SourceBatch.Unpaired(
                        s.name(), s.loss(), s.weight(), ktoBuffer.take(s.batchSize()), s.klCoef()));
            }
            StepResult result = trainer.step(batches);
            stepsSinceParent++;
            Map<String, Double> metrics = new LinkedHashMap<>(result.metrics());
            metrics.put("staleness/mean", lagCount == 0 ? 0.0 : lagSum / lagCount);
            metrics.putAll(counters);
            lagSum = 0;
            lagCount = 0;
            lastStepMetrics = metrics;
            // Merged, not replaced: a step trains only the sources with a full batch, and each source's last
            // loss stays readable until its next step.
            Map<String, Double> merged = new HashMap<>(lastStepSnapshot);
            merged.putAll(toAvroMap(metrics));
            lastStepSnapshot = Map.copyOf(merged);
            steps.incrementAndGet();
            pendingMetrics.add(TrainerMetrics.newBuilder()
                    .setModelId(config.modelId())
                    .setStep(result.step())
                    .setPolicyVersion(currentVersion)
                    .setMetrics(toAvroMap(metrics))
                    .setEventTime(Instant.now())
                    .build());
            LOG.debug("Step {}: {}", result.step(), metrics);
            hooks.afterStep(result.step());
        }
    }

    private static boolean ready(int pending, SourceConfig source, boolean flush) {
        return source.enabled() && (pending >= source.batchSize() || (flush && pending > 0));
    }

    private boolean shouldPublish() {
        if (lineage.isEmpty()) {
            return false;
        }
        return stepsSinceParent >= config.publishEverySteps()
                || Duration.between(parentTime, Instant.now()).compareTo(config.publishEvery()) >= 0;
    }

    /**
     * Whether the next version, due by {@link #shouldPublish()}, is held back: with {@code
     * trainer.publish.max.undecided} versions of this model awaiting their canary decision, a new one would only wait
     * behind them (and all but the newest waiting are superseded), so the trainer keeps training and publishes once
     * a decision arrives, at most {@code trainer.publish.hold.max} later.
     */
    private boolean holdPublish() {
        if (pacing == null) {
            return false;
        }
        Instant now = Instant.now();
        if (pacing.mayPublish()) {
            endHold(now);
            return false;
        }
        if (holdStarted == null) {
            holdStarted = now;
            publishHeld = true;
            LOG.info(
                    "{}: holding version {} back while version {} awaits its canary decision ({} undecided,"
                            + " trainer.publish.max.undecided={}); training goes on",
                    config.modelId(),
                    currentVersion + 1,
                    pacing.newestUndecided(),
                    pacing.undecided(),
                    config.publishMaxUndecided());
            return true;
        }
        if (Duration.between(holdStarted, now).compareTo(config.publishHoldMax()) >= 0) {
            LOG.warn(
                    "{}: no canary decision on version {} within trainer.publish.hold.max ({}); publishing version {}"
                            + " anyway (is the canary controller running?)",
                    config.modelId(),
                    pacing.newestUndecided(),
                    config.publishHoldMax(),
                    currentVersion + 1);
            endHold(now);
            return false;
        }
        return true;
    }

    private void endHold(Instant now) {
        if (holdStarted == null) {
            return;
        }
        Duration held = Duration.between(holdStarted, now);
        heldSinceParent = heldSinceParent.plus(held);
        LOG.info(
                "{}: publishing version {} after holding it back for {} s ({} steps since version {})",
                config.modelId(),
                currentVersion + 1,
                held.toSeconds(),
                stepsSinceParent,
                baseVersion);
        holdStarted = null;
        publishHeld = false;
    }

    private void publish() throws IOException {
        // A branch stopping at its end publishes whatever it holds.
        endHold(Instant.now());
        long next = currentVersion + 1;
        Map<String, Double> summary = new LinkedHashMap<>(lastStepMetrics);
        summary.putAll(counters);
        summary.put("steps", (double) stepsSinceParent);
        summary.put("optimizer/step", (double) optimizer.step());
        if (pacing != null) {
            summary.put("held/seconds", heldSinceParent.toMillis() / 1000.0);
        }
        Checkpoint c = Checkpoint.of(
                config.modelId(),
                next,
                baseVersion,
                config.model(),
                policy,
                factory.layout(policy),
                config.optimizer(),
                optimizer.exportState());
        Map<String, Integer> passes = null;
        GateEvaluation gated = null;
        if (gate != null && GateEvaluator.supports(policy)) {
            passes = gate.passes(policy);
            gated = gate.evaluation(baseVersion, passes, gatePassesOf(baseVersion));
            LOG.info("Gate of {} version {} against version {}: {}", config.modelId(), next, baseVersion, gated);
        }
        PolicyVersion published = publisher.publish(new VersionPublisher.Request(
                c,
                PolicyStatus.PUBLISHED,
                lineage.lineage(),
                lineage.offsetsToCommit(),
                consumer.groupMetadata(),
                summary,
                List.copyOf(pendingMetrics),
                rebasedFrom,
                rebaseReason,
                provenance,
                gated,
                nextParentModelId));
        committed.put(next, published);
        if (passes != null) {
            gatePasses.put(next, passes);
        }
        if (rebasePolicy != null) {
            rebasePolicy.version(next, baseVersion);
        }
        if (pacing != null) {
            pacing.published(next);
        }
        heldSinceParent = Duration.ZERO;
        rebasedFrom = null;
        rebaseReason = "";
        nextParentModelId = null;
        currentVersion = next;
        baseVersion = next;
        versionsPublished.incrementAndGet();
        lastPublishMillis = System.currentTimeMillis();
        lineage.clear();
        pendingMetrics.clear();
        counters.clear();
        stepsSinceParent = 0;
        parentTime = Instant.now();
    }

    /** The gate's pass counts of a committed version, generated from its checkpoint the first time. */
    private Map<String, Integer> gatePassesOf(long version) throws IOException {
        Map<String, Integer> known = gatePasses.get(version);
        if (known != null) {
            return known;
        }
        PolicyVersion v = committed.get(version);
        if (v == null) {
            throw new IllegalStateException("version " + version + " of " + config.modelId() + " is not committed");
        }
        Checkpoint checkpoint = readOwn(v);
        Map<String, Integer> passes;
        if (policy instanceof PolicyModel) {
            try (PolicyModel parent = checkpoint.toPolicyModel(devices.get(0))) {
                passes = gate.passes(parent);
            }
        } else {
            // A Hugging Face model is not loaded twice: the parent's trainable weights (its adapters under LoRA)
            // stand in for the policy's own while the gate generates, which are then written back in place.
            passes = gate.passesWith(policy, checkpoint.weights());
        }
        gatePasses.put(version, passes);
        return passes;
    }

    private void count(String key) {
        counters.merge(key, 1.0, Double::sum);
    }

    private static Map<String, Double> toAvroMap(Map<String, Double> metrics) {
        Map<String, Double> out = new HashMap<>();
        metrics.forEach((k, v) -> {
            if (v != null && Double.isFinite(v)) {
                out.put(k, v);
            }
        });
        return out;
    }

    private Map<String, Object> producerProperties() {
        Map<String, Object> p = new HashMap<>(config.kafkaOverrides());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 * 1024 * 1024);
        return p;
    }

    private Map<String, Object> consumerProperties() {
        Map<String, Object> p = new HashMap<>(config.kafkaOverrides());
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.maxPollRecords());
        return p;
    }

    /** Releases Kafka clients and native memory; idempotent. */
    @Override
    public synchronized void close() {
        if (decisions != null) {
            decisions.close();
            decisions = null;
        }
        if (consumer != null) {
            consumer.close(CloseOptions.timeout(Duration.ZERO));
            consumer = null;
        }
        if (producer != null) {
            // No abort here: an abrupt stop leaves any open transaction to be aborted by the next
            // incarnation's initTransactions(), exactly as after a crash.
            producer.close(Duration.ZERO);
            producer = null;
        }
        closeTraining();
    }

    /** Frees the model, its reference, replicas and optimizer state. */
    private void closeTraining() {
        if (optimizer != null) {
            optimizer.close();
            optimizer = null;
        }
        if (reference != null) {
            reference.close();
            reference = null;
        }
        if (parallel != null) {
            parallel.close();
            parallel = null;
        }
        if (policy != null) {
            policy.close();
            policy = null;
        }
    }
}

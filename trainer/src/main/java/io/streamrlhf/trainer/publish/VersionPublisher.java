package io.streamrlhf.trainer.publish;

import io.streamrlhf.avro.GateEvaluation;
import io.streamrlhf.avro.OffsetRange;
import io.streamrlhf.avro.PolicyStatus;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.avro.Provenance;
import io.streamrlhf.avro.TrainerMetrics;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.trainer.checkpoint.Checkpoint;
import io.streamrlhf.trainer.checkpoint.CheckpointNames;
import io.streamrlhf.trainer.checkpoint.CheckpointStore;
import io.streamrlhf.trainer.checkpoint.VersionSigner;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a policy version exactly once: the checkpoint is written first (the file store: fsync, atomic rename,
 * sha256; the kafka store: its chunks are sent inside the transaction), then one Kafka transaction carries the
 * {@code PolicyVersion}, the buffered per-step
 * {@code TrainerMetrics} and the consumer offsets of every example the version absorbed. With a
 * {@link VersionSigner} the version record carries the HMAC of its exact value bytes in a header.
 */
public final class VersionPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(VersionPublisher.class);

    private final String modelId;
    private final CheckpointStore store;
    private final Producer<String, byte[]> producer;
    private final Topic<String, PolicyVersion> versionsTopic;
    private final Topic<String, TrainerMetrics> metricsTopic;
    private final Serializer<PolicyVersion> versionSerializer;
    private final Serializer<TrainerMetrics> metricsSerializer;
    private final PublishHooks hooks;
    private final Optional<VersionSigner> signer;

    /** A publisher over a transactional producer whose {@code initTransactions()} already ran; records unsigned. */
    public VersionPublisher(
            String modelId,
            CheckpointStore store,
            Producer<String, byte[]> producer,
            Topic<String, PolicyVersion> versionsTopic,
            Topic<String, TrainerMetrics> metricsTopic,
            PublishHooks hooks) {
        this(modelId, store, producer, versionsTopic, metricsTopic, hooks, Optional.empty());
    }

    /**
     * A publisher over a transactional producer whose {@code initTransactions()} already ran, signing each version
     * record's value bytes with {@code signer} when present.
     */
    public VersionPublisher(
            String modelId,
            CheckpointStore store,
            Producer<String, byte[]> producer,
            Topic<String, PolicyVersion> versionsTopic,
            Topic<String, TrainerMetrics> metricsTopic,
            PublishHooks hooks,
            Optional<VersionSigner> signer) {
        this.signer = signer;
        this.modelId = modelId;
        this.store = store;
        this.producer = producer;
        this.versionsTopic = versionsTopic;
        this.metricsTopic = metricsTopic;
        this.versionSerializer = versionsTopic.valueSerde().serializer();
        this.metricsSerializer = metricsTopic.valueSerde().serializer();
        this.hooks = hooks;
    }

    /**
     * What to publish.
     *
     * @param checkpoint the new version's checkpoint
     * @param status PUBLISHED, or WARM_START for version 0
     * @param lineage offset ranges absorbed since the parent
     * @param offsets consumer offsets to commit (empty for the warm start)
     * @param group the consumer's group metadata (null when there are no offsets)
     * @param summary summary metrics of the version
     * @param stepMetrics per-step metrics since the parent
     * @param rebasedFrom the version whose weights the trainer dropped to continue from the parent, or null
     * @param rebaseReason why it rebased, empty when it did not
     * @param provenance training configuration, code version, base model and data sources, or null
     * @param gate the held-out pass rates of the version and its parent, or null when no gate ran
     * @param parentModelId the model id of the parent when it is another model's version (a replay branch's
     *     first version), else null
     */
    public record Request(
            Checkpoint checkpoint,
            PolicyStatus status,
            List<OffsetRange> lineage,
            Map<TopicPartition, OffsetAndMetadata> offsets,
            ConsumerGroupMetadata group,
            Map<String, Double> summary,
            List<TrainerMetrics> stepMetrics,
            Long rebasedFrom,
            String rebaseReason,
            Provenance provenance,
            GateEvaluation gate,
            String parentModelId) {

        /** A request without rebase, provenance or gate. */
        public Request(
                Checkpoint checkpoint,
                PolicyStatus status,
                List<OffsetRange> lineage,
                Map<TopicPartition, OffsetAndMetadata> offsets,
                ConsumerGroupMetadata group,
                Map<String, Double> summary,
                List<TrainerMetrics> stepMetrics) {
            this(checkpoint, status, lineage, offsets, group, summary, stepMetrics, null, "", null, null, null);
        }
    }

    /**
     * Writes the checkpoint and commits the transaction. On a Kafka error the transaction is aborted
     * and the exception rethrown; the caller stops (a restart resumes from the last committed version).
     */
    public PolicyVersion publish(Request request) throws IOException {
        Checkpoint c = request.checkpoint();
        String name = CheckpointNames.name(modelId, c.version());
        CheckpointStore.Stored stored = store.write(name, c);
        hooks.afterCheckpointWritten(c.version());
        PolicyVersion version = PolicyVersion.newBuilder()
                .setModelId(modelId)
                .setVersion(c.version())
                .setParentVersion(c.parentVersion() < 0 ? null : c.parentVersion())
                .setCheckpointUri(stored.uri().toString())
                .setSha256(stored.sha256())
                .setSizeBytes(stored.sizeBytes())
                .setCreatedTime(Instant.now())
                .setLineage(request.lineage())
                .setMetrics(Map.copyOf(request.summary()))
                .setStatus(request.status())
                .setRebasedFrom(request.rebasedFrom())
                .setRebaseReason(request.rebaseReason() == null ? "" : request.rebaseReason())
                .setProvenance(request.provenance())
                .setGate(request.gate())
                .setParentModelId(request.parentModelId())
                .build();
        producer.beginTransaction();
        try {
            // The kafka store's chunks (and retention's tombstones) commit or abort with the version record.
            store.sendInTransaction(stored, producer);
            byte[] value = versionSerializer.serialize(versionsTopic.name(), version);
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(versionsTopic.name(), modelId, value);
            signer.ifPresent(s -> record.headers().add(VersionSigner.HEADER, s.sign(value)));
            producer.send(record);
            for (TrainerMetrics m : request.stepMetrics()) {
                producer.send(new ProducerRecord<>(
                        metricsTopic.name(), modelId, metricsSerializer.serialize(metricsTopic.name(), m)));
            }
            if (!request.offsets().isEmpty()) {
                producer.sendOffsetsToTransaction(request.offsets(), request.group());
            }
            hooks.beforeCommit(c.version());
            producer.commitTransaction();
        } catch (ProducerFencedException e) {
            LOG.error("Fenced while publishing version {}: another trainer owns this transactional id", c.version(), e);
            throw e;
        } catch (KafkaException | IOException e) {
            LOG.error("Publishing version {} failed; aborting its transaction", c.version(), e);
            producer.abortTransaction();
            throw e;
        }
        LOG.info(
                "Published {} version {} (parent {}{}, {} lineage ranges, checkpoint {})",
                modelId,
                c.version(),
                version.getParentVersion(),
                request.rebasedFrom() == null
                        ? ""
                        : ", rebased from " + request.rebasedFrom() + " after " + request.rebaseReason(),
                request.lineage().size(),
                stored.uri());
        hooks.afterCommit(c.version());
        return version;
    }
}

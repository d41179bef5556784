package io.streamrlhf.trainer.checkpoint;

import io.streamrlhf.schemas.topic.TopicLayout;
import io.streamrlhf.schemas.topic.Topics;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Which checkpoint store versions are written to and read from ({@code trainer.checkpoint.store}), and the kafka
 * store's settings.
 *
 * @param kind {@link Kind#FILE} (default: a folder every reader shares) or {@link Kind#KAFKA} (a compacted topic)
 * @param chunkBytes the kafka store's chunk size (default 512 KiB; at most
 *     {@link TopicLayout#CHECKPOINT_MAX_CHUNK_BYTES}, below the topic's {@code max.message.bytes})
 * @param keepLast the kafka store keeps the chunks of this many newest versions (default 5), besides version 0 and
 *     every promoted version
 */
public record CheckpointStoreConfig(Kind kind, int chunkBytes, int keepLast) {

    /** The stores. */
    public enum Kind {
        /** {@link LocalCheckpointStore}: files in {@code trainer.checkpoint.dir}. */
        FILE,
        /** {@link KafkaCheckpointStore}: chunks in the topic {@code topic.policy.checkpoints}. */
        KAFKA
    }

    /** The default chunk size: 512 KiB. */
    public static final int DEFAULT_CHUNK_BYTES = 512 * 1024;

    /** Validates, naming the key and the bound. */
    public CheckpointStoreConfig {
        if (kind == null) {
            throw new IllegalArgumentException("trainer.checkpoint.store must be file or kafka");
        }
        if (chunkBytes < 1 || chunkBytes > TopicLayout.CHECKPOINT_MAX_CHUNK_BYTES) {
            throw new IllegalArgumentException("trainer.checkpoint.kafka.chunk.bytes must be 1.."
                    + TopicLayout.CHECKPOINT_MAX_CHUNK_BYTES + ", was " + chunkBytes);
        }
        if (keepLast < 1) {
            throw new IllegalArgumentException("trainer.checkpoint.kafka.keep.last must be >= 1, was " + keepLast);
        }
    }

    /** The file store with the kafka store's defaults. */
    public static CheckpointStoreConfig defaults() {
        return new CheckpointStoreConfig(Kind.FILE, DEFAULT_CHUNK_BYTES, 5);
    }

    /**
     * Opens the configured store.
     *
     * @param dir the file store's folder (unused by the kafka store)
     * @param maxBytes the largest checkpoint read
     * @param topics the kafka store's chunk topic and the canary decisions its retention keeps promoted versions by
     * @param bootstrapServers the kafka store's cluster
     * @param kafkaOverrides the kafka store's client settings (security), as the component's other clients get them
     */
    public CheckpointStore open(
            Path dir, long maxBytes, Topics topics, String bootstrapServers, Map<String, String> kafkaOverrides)
            throws IOException {
        return switch (kind) {
            case FILE -> new LocalCheckpointStore(dir, maxBytes);
            case KAFKA ->
                new KafkaCheckpointStore(
                        topics.policyCheckpoints(),
                        topics.policyDecisions(),
                        bootstrapServers,
                        kafkaOverrides,
                        maxBytes,
                        chunkBytes,
                        keepLast,
                        Duration.ofSeconds(60));
        };
    }
}

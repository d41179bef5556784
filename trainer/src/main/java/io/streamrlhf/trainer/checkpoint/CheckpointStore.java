package io.streamrlhf.trainer.checkpoint;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.producer.Producer;

/**
 * Where checkpoints live, addressed by URI. The local-folder implementation uses {@code file://};
 * shared storage can add its own scheme behind the same interface.
 */
public interface CheckpointStore {

    /** Where and what was written. */
    record Stored(URI uri, String sha256, long sizeBytes) {}

    /**
     * Writes the checkpoint durably and atomically under {@code name}: after this returns, the URI
     * holds the complete file or nothing was visible at all.
     */
    Stored write(String name, Checkpoint checkpoint) throws IOException;

    /**
     * Reads and verifies a checkpoint; when {@code expectedSha256} is not null the whole file must
     * hash to it.
     *
     * @throws CorruptCheckpointException when the hash or the format does not match
     * @throws UntrustedCheckpointException when the URI is outside the store, not a regular file or too large;
     *     nothing is read then
     */
    Checkpoint read(URI uri, String expectedSha256) throws IOException;

    /**
     * Checks, without reading it, that {@code uri} names a regular file inside this store no larger than
     * {@link #maxBytes()}.
     *
     * @throws UntrustedCheckpointException when it does not
     */
    void checkLocation(URI uri) throws UntrustedCheckpointException;

    /**
     * Whether {@code uri} is named as {@code version} of {@code modelId} in this store, so that a forged version
     * number cannot borrow another version's checkpoint; by default the file naming rule of {@link CheckpointNames}.
     */
    default boolean isOf(String modelId, long version, URI uri) {
        return CheckpointNames.isOf(modelId, version, uri);
    }

    /** The form {@link #isOf} accepts, for refusal messages. */
    default String describeName(String modelId, long version) {
        return modelId + "-v" + version + "-<8 hex digits>[" + LocalCheckpointStore.SUFFIX + "]";
    }

    /**
     * Sends what the publish transaction must carry for the checkpoint just {@linkplain #write written}, through
     * the publisher's transactional producer after its {@code beginTransaction()}: the kafka store's chunks (and
     * the tombstones of versions its retention rule drops), so that the version's bytes commit or abort with its
     * {@code PolicyVersion} record. The file store, whose write is already durable, sends nothing.
     */
    default void sendInTransaction(Stored stored, Producer<String, byte[]> producer) throws IOException {}

    /** The largest checkpoint this store reads, in bytes. */
    long maxBytes();

    /** Checkpoints currently stored. */
    List<URI> list() throws IOException;

    /** Deletes a checkpoint; absent is fine. */
    void delete(URI uri) throws IOException;

    /** Checkpoints of exactly {@code modelId} (see {@link CheckpointNames}), never another model's. */
    default List<URI> list(String modelId) throws IOException {
        List<URI> own = new ArrayList<>();
        for (URI uri : list()) {
            if (CheckpointNames.belongsTo(modelId, uri)) {
                own.add(uri);
            }
        }
        return own;
    }

    /**
     * Deletes every checkpoint of {@code modelId} not in {@code keep}; other models' files in the same
     * store are left alone.
     *
     * @return what was deleted
     */
    default List<URI> deleteUnreferenced(String modelId, Set<String> keep) throws IOException {
        List<URI> deleted = new ArrayList<>();
        for (URI uri : list(modelId)) {
            if (!keep.contains(uri.toString())) {
                delete(uri);
                deleted.add(uri);
            }
        }
        return deleted;
    }
}

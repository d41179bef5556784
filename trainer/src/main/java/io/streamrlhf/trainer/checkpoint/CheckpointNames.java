package io.streamrlhf.trainer.checkpoint;

import java.net.URI;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The one naming rule of checkpoints, {@code <modelId>-v<version>-<8 hex digits>.ckpt} for a file and the same
 * without the suffix for a Hugging Face model's version directory, and the exact
 * test of whether a file belongs to a model. Model ids may contain {@code -v} themselves ({@code policy} and
 * {@code policy-v2} can share a folder), so ownership is a full match of the pattern, never a prefix.
 */
public final class CheckpointNames {

    private CheckpointNames() {}

    /** A fresh name (without suffix) for {@code version} of {@code modelId}; unique per call. */
    public static String name(String modelId, long version) {
        return modelId + "-v" + version + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Whether the last path segment of {@code uri} is a checkpoint of exactly {@code modelId}. */
    public static boolean belongsTo(String modelId, URI uri) {
        String path = uri.getPath();
        return path != null && pattern(modelId).matcher(lastSegment(path)).matches();
    }

    /** Whether the last path segment of {@code uri} is a checkpoint of exactly {@code version} of {@code modelId}. */
    public static boolean isOf(String modelId, long version, URI uri) {
        String path = uri.getPath();
        if (path == null) {
            return false;
        }
        return Pattern.compile(Pattern.quote(modelId) + "-v" + version + "-[0-9a-f]{8}(?:"
                        + Pattern.quote(LocalCheckpointStore.SUFFIX) + ")?")
                .matcher(lastSegment(path))
                .matches();
    }

    private static Pattern pattern(String modelId) {
        return Pattern.compile(
                Pattern.quote(modelId) + "-v\\d+-[0-9a-f]{8}(?:" + Pattern.quote(LocalCheckpointStore.SUFFIX) + ")?");
    }

    /** The last segment of a path, a directory's trailing slash ignored. */
    private static String lastSegment(String path) {
        String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        return trimmed.substring(trimmed.lastIndexOf('/') + 1);
    }
}

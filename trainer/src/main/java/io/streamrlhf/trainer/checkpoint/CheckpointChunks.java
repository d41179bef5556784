package io.streamrlhf.trainer.checkpoint;

import io.streamrlhf.avro.CheckpointChunk;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Splits a version's files into {@link CheckpointChunk}s and puts them together again, trusting nothing the chunks
 * say: every file must arrive as exactly its declared number of chunks, indices {@code 0..count-1} each once, all
 * agreeing on the file's size and sha256, summing to that size and hashing to that sha256; the declared sizes of all
 * files together must be within the reader's bound before any file is assembled.
 *
 * <p>Structural faults (a chunk missing, extra, duplicated, inconsistent, or a version above the bound) are
 * {@link UntrustedCheckpointException}s, refused like any untrusted version; bytes that do not hash to their declared
 * sha256 are a {@link CorruptCheckpointException}, as a file store's damaged file is.
 */
public final class CheckpointChunks {

    private CheckpointChunks() {}

    /** The record key of one chunk: {@code modelId/version/file/index}. */
    public static String key(String modelId, long version, String fileName, int index) {
        return prefix(modelId, version) + fileName + "/" + index;
    }

    /** What every key of {@code version} of {@code modelId} starts with. */
    public static String prefix(String modelId, long version) {
        return modelId + "/" + version + "/";
    }

    /**
     * The chunks of {@code files} (name to bytes), each at most {@code chunkBytes} long, in file-name and index order;
     * an empty file is one empty chunk.
     */
    public static List<CheckpointChunk> split(
            String modelId, long version, SortedMap<String, byte[]> files, int chunkBytes) {
        if (chunkBytes < 1) {
            throw new IllegalArgumentException("chunk size must be positive, was " + chunkBytes);
        }
        List<CheckpointChunk> chunks = new ArrayList<>();
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            byte[] bytes = file.getValue();
            int count = Math.max(1, (int) ((bytes.length + (long) chunkBytes - 1) / chunkBytes));
            String sha = CheckpointCodec.sha256Hex(bytes);
            for (int i = 0; i < count; i++) {
                int from = i * chunkBytes;
                int to = Math.min(bytes.length, from + chunkBytes);
                chunks.add(CheckpointChunk.newBuilder()
                        .setModelId(modelId)
                        .setVersion(version)
                        .setFileName(file.getKey())
                        .setChunkIndex(i)
                        .setChunkCount(count)
                        .setFileSize(bytes.length)
                        .setFileSha256(sha)
                        .setData(ByteBuffer.wrap(bytes, from, to - from).slice())
                        .build());
            }
        }
        return chunks;
    }

    /**
     * The files the chunks of one version make up.
     *
     * @param source the version's URI, for messages
     * @param chunks every chunk of the version (of {@code modelId} and {@code version} only), in any order
     * @param maxBytes the bound on the files' declared sizes together
     * @throws UntrustedCheckpointException when the chunks are none, or do not make up whole files, or declare more
     *     than {@code maxBytes}
     * @throws CorruptCheckpointException when a file's bytes do not hash to its declared sha256
     */
    public static SortedMap<String, byte[]> assemble(
            String source, String modelId, long version, Collection<CheckpointChunk> chunks, long maxBytes)
            throws UntrustedCheckpointException, CorruptCheckpointException {
        if (chunks.isEmpty()) {
            throw new UntrustedCheckpointException(
                    UntrustedCheckpointException.Kind.MISSING,
                    "checkpoint " + source + " has no committed chunks (never published, or deleted by retention)");
        }
        SortedMap<String, List<CheckpointChunk>> byFile = new TreeMap<>();
        for (CheckpointChunk c : chunks) {
            if (!modelId.equals(c.getModelId()) || c.getVersion() != version) {
                throw incomplete(
                        source,
                        "a chunk of " + c.getModelId() + " version " + c.getVersion() + " is among " + "the chunks of "
                                + modelId + " version " + version);
            }
            byFile.computeIfAbsent(c.getFileName(), f -> new ArrayList<>()).add(c);
        }
        long declared = 0;
        for (Map.Entry<String, List<CheckpointChunk>> file : byFile.entrySet()) {
            CheckpointChunk first = file.getValue().get(0);
            if (first.getFileSize() < 0) {
                throw incomplete(source, file.getKey() + " declares a negative size");
            }
            declared += first.getFileSize();
            if (declared > maxBytes) {
                throw new UntrustedCheckpointException(
                        UntrustedCheckpointException.Kind.TOO_LARGE,
                        "checkpoint " + source + " declares more than " + maxBytes
                                + " bytes (trainer.checkpoint.max.bytes); refusing to read it");
            }
        }
        SortedMap<String, byte[]> files = new TreeMap<>();
        for (Map.Entry<String, List<CheckpointChunk>> file : byFile.entrySet()) {
            files.put(file.getKey(), assembleFile(source, file.getKey(), file.getValue()));
        }
        return files;
    }

    private static byte[] assembleFile(String source, String name, List<CheckpointChunk> parts)
            throws UntrustedCheckpointException, CorruptCheckpointException {
        CheckpointChunk first = parts.get(0);
        int count = first.getChunkCount();
        long size = first.getFileSize();
        String sha = first.getFileSha256().toString();
        if (count < 1) {
            throw incomplete(source, name + " declares " + count + " chunks");
        }
        for (CheckpointChunk c : parts) {
            if (c.getChunkCount() != count || c.getFileSize() != size || !sha.contentEquals(c.getFileSha256())) {
                throw incomplete(source, "the chunks of " + name + " disagree about its chunk count, size or sha256");
            }
            if (c.getChunkIndex() < 0 || c.getChunkIndex() >= count) {
                throw incomplete(
                        source, name + " has a chunk with index " + c.getChunkIndex() + " of " + count + " chunks");
            }
        }
        List<CheckpointChunk> sorted = new ArrayList<>(parts);
        sorted.sort(Comparator.comparingInt(CheckpointChunk::getChunkIndex));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).getChunkIndex() == sorted.get(i - 1).getChunkIndex()) {
                throw incomplete(source, name + " has chunk " + sorted.get(i).getChunkIndex() + " twice");
            }
        }
        if (sorted.size() != count) {
            throw incomplete(source, name + " has " + sorted.size() + " of its " + count + " chunks");
        }
        long sum = 0;
        for (CheckpointChunk c : sorted) {
            sum += c.getData().remaining();
        }
        if (sum != size) {
            throw incomplete(source, name + "'s chunks hold " + sum + " bytes but declare " + size);
        }
        ByteBuffer whole = ByteBuffer.allocate((int) size);
        for (CheckpointChunk c : sorted) {
            whole.put(c.getData().duplicate());
        }
        byte[] bytes = whole.array();
        String actual = CheckpointCodec.sha256Hex(bytes);
        if (!actual.equalsIgnoreCase(sha)) {
            throw new CorruptCheckpointException("checkpoint " + source + ": " + name + " has sha256 " + actual
                    + " but its chunks declare " + sha + "; refusing to load it");
        }
        return bytes;
    }

    private static UntrustedCheckpointException incomplete(String source, String why) {
        return new UntrustedCheckpointException(
                UntrustedCheckpointException.Kind.INCOMPLETE,
                "checkpoint " + source + " is not a whole version: " + why + "; refusing it");
    }
}

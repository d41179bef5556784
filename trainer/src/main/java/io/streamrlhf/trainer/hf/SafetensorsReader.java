package io.streamrlhf.trainer.hf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads one safetensors file: an 8-byte little-endian header length, a JSON header mapping each tensor name to
 * its {@code dtype}, {@code shape} and {@code data_offsets} (relative to the data after the header), an optional
 * {@code __metadata__} string map, then the tensors' bytes.
 *
 * <p>The header is validated before any tensor is read: its length is bounded ({@link #MAX_HEADER_BYTES}) and
 * within the file, every shape is non-negative without overflow, every byte span equals its element count times
 * the element size, and the spans lie inside the file and tile the data without overlap or gaps (as the
 * reference implementation requires). Tensors are read through a memory map of their own span only, so a large
 * file is never loaded into one array. Anything else fails with a {@link SafetensorsException} naming the file
 * and the tensor. Not thread-safe; close it to release the file.
 */
public final class SafetensorsReader implements AutoCloseable {

    /** The largest header accepted (the reference implementation's bound). */
    public static final long MAX_HEADER_BYTES = 100L << 20;

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /**
     * One tensor's header entry; {@code begin} and {@code end} are byte offsets into the data section.
     *
     * @param name the tensor's name
     * @param dtype its element type
     * @param shape its dimensions
     * @param begin first byte, relative to the data section
     * @param end one past the last byte, relative to the data section
     */
    public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {

        /** Number of elements (the product of the dimensions; 1 for a scalar). */
        public long elementCount() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsReader(
            Path file,
            FileChannel channel,
            long dataStart,
            Map<String, TensorInfo> tensors,
            Map<String, String> metadata) {
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /**
     * Opens {@code file} and validates its header.
     *
     * @throws SafetensorsException when the file is truncated or its header is malformed or inconsistent
     */
    public static SafetensorsReader open(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            long size = channel.size();
            if (size < 8) {
                throw new SafetensorsException(
                        file, "truncated: " + size + " bytes, shorter than the 8-byte header length");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes, 0, file);
            long headerLength = lengthBytes.flip().getLong();
            if (headerLength < 2 || headerLength > MAX_HEADER_BYTES) {
                throw new SafetensorsException(
                        file,
                        "header length " + Long.toUnsignedString(headerLength) + " outside 2.." + MAX_HEADER_BYTES
                                + " bytes");
            }
            if (headerLength > size - 8) {
                throw new SafetensorsException(
                        file,
                        "truncated: header of " + headerLength + " bytes but only " + (size - 8)
                                + " bytes follow the length");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            readFully(channel, header, 8, file);
            JsonNode root;
            try {
                root = JSON.readTree(header.array());
            } catch (IOException e) {
                throw new SafetensorsException(file, "header is not valid JSON: " + e.getMessage());
            }
            if (root == null || !root.isObject()) {
                throw new SafetensorsException(file, "header is not a JSON object");
            }
            long dataStart = 8 + headerLength;
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, TensorInfo> tensors = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if ("__metadata__".equals(e.getKey())) {
                    readMetadata(file, e.getValue(), metadata);
                } else {
                    tensors.put(e.getKey(), parseEntry(file, e.getKey(), e.getValue()));
                }
            }
            checkLayout(file, tensors, size - dataStart);
            return new SafetensorsReader(
                    file,
                    channel,
                    dataStart,
                    Collections.unmodifiableMap(tensors),
                    Collections.unmodifiableMap(metadata));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** The file read. */
    public Path file() {
        return file;
    }

    /** The tensors by name, in header order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** The header's {@code __metadata__} (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * The tensor's values converted to fp32, row-major.
     *
     * @throws SafetensorsException when there is no such tensor, its type is not F32, F16 or BF16, or it has more
     *     elements than a Java array holds
     */
    public float[] readFloats(String name) throws IOException {
        TensorInfo info = floatTensor(name);
        long count = info.elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new SafetensorsException(file, name, count + " elements do not fit one array");
        }
        float[] out = new float[(int) count];
        readFloats(name, FloatBuffer.wrap(out));
        return out;
    }

    /**
     * Writes the tensor's values, converted to fp32 and row-major, into {@code target} from its position on (which
     * advances by the element count): a direct buffer lets a caller load weights without a heap copy.
     *
     * @throws SafetensorsException as {@link #readFloats(String)}, or when {@code target} has too little room
     */
    public void readFloats(String name, FloatBuffer target) throws IOException {
        TensorInfo info = floatTensor(name);
        long count = info.elementCount();
        if (target.remaining() < count) {
            throw new SafetensorsException(
                    file,
                    name,
                    count + " elements do not fit the " + target.remaining() + " left in the target buffer");
        }
        // Read through one buffer of at most 16 MB rather than mapping the file: mapped pages stay resident (and
        // count in the process's memory) until the mapping is garbage-collected.
        long chunkElements = (1L << 24) / info.dtype().bytes();
        ByteBuffer bytes = ByteBuffer.allocate(
                        (int) (Math.min(chunkElements, count) * info.dtype().bytes()))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (long first = 0; first < count; first += chunkElements) {
            long n = Math.min(chunkElements, count - first);
            bytes.clear().limit((int) (n * info.dtype().bytes()));
            readFully(
                    channel,
                    bytes,
                    dataStart + info.begin() + first * info.dtype().bytes(),
                    file);
            bytes.flip();
            FloatBuffer slice = target.slice(target.position(), (int) n);
            info.dtype().decode(bytes, slice);
            target.position(target.position() + (int) n);
        }
    }

    private TensorInfo floatTensor(String name) throws SafetensorsException {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new SafetensorsException(file, name, "not in this file");
        }
        if (!info.dtype().isFloatWeight()) {
            throw new SafetensorsException(file, name, "dtype " + info.dtype() + " is not F32, F16 or BF16");
        }
        return info;
    }

    /** The tensor as an fp32 NDArray of its shape in {@code manager}. */
    public NDArray load(String name, NDManager manager) throws IOException {
        float[] values = readFloats(name);
        return manager.create(values, new Shape(tensors.get(name).shape()));
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private static void readMetadata(Path file, JsonNode node, Map<String, String> out) throws SafetensorsException {
        if (!node.isObject()) {
            throw new SafetensorsException(file, "__metadata__ is not a JSON object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new SafetensorsException(file, "__metadata__ value of '" + e.getKey() + "' is not a string");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
    }

    private static TensorInfo parseEntry(Path file, String name, JsonNode node) throws SafetensorsException {
        if (!node.isObject()) {
            throw new SafetensorsException(file, name, "header entry is not a JSON object");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new SafetensorsException(file, name, "missing or non-string dtype");
        }
        DType dtype = DType.of(dtypeNode.asText())
                .orElseThrow(() -> new SafetensorsException(file, name, "unknown dtype '" + dtypeNode.asText() + "'"));
        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new SafetensorsException(file, name, "missing or non-array shape");
        }
        long[] shape = new long[shapeNode.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) {
                throw new SafetensorsException(
                        file, name, "dimension " + i + " is " + d + ", not a non-negative integer");
            }
            shape[i] = d.asLong();
            try {
                count = Math.multiplyExact(count, shape[i]);
            } catch (ArithmeticException e) {
                throw new SafetensorsException(file, name, "shape " + shapeNode + " overflows");
            }
        }
        JsonNode offsets = node.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw new SafetensorsException(file, name, "data_offsets is not a pair [begin, end]");
        }
        for (JsonNode o : offsets) {
            if (!o.isIntegralNumber() || !o.canConvertToLong() || o.asLong() < 0) {
                throw new SafetensorsException(
                        file, name, "data_offsets " + offsets + " are not non-negative integers");
            }
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (end < begin) {
            throw new SafetensorsException(file, name, "data_offsets " + offsets + " end before they begin");
        }
        long expected;
        try {
            expected = Math.multiplyExact(count, dtype.bytes());
        } catch (ArithmeticException e) {
            throw new SafetensorsException(file, name, "shape " + shapeNode + " overflows");
        }
        if (end - begin != expected) {
            throw new SafetensorsException(
                    file,
                    name,
                    "dtype " + dtype + " and shape " + shapeNode + " need " + expected + " bytes but data_offsets "
                            + offsets + " span " + (end - begin));
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    /** The spans must lie inside the data section and tile it exactly, so no byte is read as two tensors. */
    private static void checkLayout(Path file, Map<String, TensorInfo> tensors, long dataBytes)
            throws SafetensorsException {
        List<TensorInfo> sorted = new ArrayList<>(tensors.values());
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long next = 0;
        for (TensorInfo t : sorted) {
            if (t.end() > dataBytes) {
                throw new SafetensorsException(
                        file,
                        t.name(),
                        "data_offsets [" + t.begin() + ", " + t.end() + "] reach past the end of the file (" + dataBytes
                                + " data bytes): truncated or hostile");
            }
            if (t.begin() < next) {
                throw new SafetensorsException(
                        file,
                        t.name(),
                        "data_offsets [" + t.begin() + ", " + t.end() + "] overlap the previous tensor's bytes");
            }
            if (t.begin() > next) {
                throw new SafetensorsException(
                        file,
                        t.name(),
                        "data_offsets [" + t.begin() + ", " + t.end() + "] leave a gap after byte " + next);
            }
            next = t.end();
        }
        if (next != dataBytes) {
            throw new SafetensorsException(file, (dataBytes - next) + " bytes after the last tensor belong to none");
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position, Path file) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                throw new SafetensorsException(
                        file, "truncated: the file ends before byte " + (at + buffer.remaining()));
            }
            at += n;
        }
    }
}

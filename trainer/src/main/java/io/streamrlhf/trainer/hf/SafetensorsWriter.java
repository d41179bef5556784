package io.streamrlhf.trainer.hf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a safetensors file from fp32 values, stored as F32, F16 or BF16 (rounded to nearest even). Tensors are
 * laid out in the order added; the header is padded with spaces to a multiple of 8 bytes, as Hugging Face's
 * writer does, so that every tensor starts aligned.
 */
public final class SafetensorsWriter {

    private static final ObjectMapper JSON = new ObjectMapper();

    private record Entry(DType dtype, long[] shape, float[] values) {}

    private final Map<String, Entry> tensors = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /**
     * Adds a tensor.
     *
     * @throws IllegalArgumentException when the name is taken or reserved, the dtype is not F32, F16 or BF16, or
     *     the shape does not hold {@code values.length} elements
     */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, float[] values) {
        if (name.equals("__metadata__") || tensors.containsKey(name)) {
            throw new IllegalArgumentException("tensor name '" + name + "' is reserved or already added");
        }
        if (!dtype.isFloatWeight()) {
            throw new IllegalArgumentException("tensor '" + name + "': dtype " + dtype + " is not F32, F16 or BF16");
        }
        long count = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(
                        "tensor '" + name + "': negative dimension in " + Arrays.toString(shape));
            }
            count = Math.multiplyExact(count, d);
        }
        if (count != values.length) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " holds "
                    + count + " elements, got " + values.length);
        }
        tensors.put(name, new Entry(dtype, shape.clone(), values));
        return this;
    }

    /** Adds a {@code __metadata__} entry (Hugging Face writes {@code format: pt}). */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Writes everything added to {@code file}, replacing it. */
    public void write(Path file) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, Entry> e : tensors.entrySet()) {
            Entry t = e.getValue();
            ObjectNode node = header.putObject(e.getKey());
            node.put("dtype", t.dtype().name());
            ArrayNode shape = node.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            long bytes = (long) t.values().length * t.dtype().bytes();
            node.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, " ".getBytes(StandardCharsets.US_ASCII)[0]);
        try (FileChannel out = FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer length = ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(padded)
                    .flip();
            writeFully(out, length);
            writeFully(out, ByteBuffer.wrap(headerBytes));
            for (Entry t : tensors.values()) {
                // In slices, so that a large tensor does not need a second full-size copy on the heap.
                int perChunk = (1 << 22) / t.dtype().bytes();
                for (int first = 0; first < t.values().length; first += perChunk) {
                    int n = Math.min(perChunk, t.values().length - first);
                    ByteBuffer chunk =
                            ByteBuffer.allocate(n * t.dtype().bytes()).order(ByteOrder.LITTLE_ENDIAN);
                    for (int i = first; i < first + n; i++) {
                        t.dtype().encode(t.values()[i], chunk);
                    }
                    writeFully(out, chunk.flip());
                }
            }
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }
}

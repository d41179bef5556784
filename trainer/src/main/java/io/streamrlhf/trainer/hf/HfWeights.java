package io.streamrlhf.trainer.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The weights of a Hugging Face model directory: {@code model.safetensors}, or the shards that
 * {@code model.safetensors.index.json} lists in its {@code weight_map} (tensor name to shard file name). Shard
 * names must be plain file names inside the directory, and every tensor the index names must be in its shard.
 * Close it to release the files.
 */
public final class HfWeights implements AutoCloseable {

    /** The single-file weights' name. */
    public static final String SINGLE_FILE = "model.safetensors";

    /** The sharded weights' index name. */
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Map<String, SafetensorsReader> byTensor;
    private final Map<String, SafetensorsReader> shards;

    private HfWeights(Map<String, SafetensorsReader> byTensor, Map<String, SafetensorsReader> shards) {
        this.byTensor = byTensor;
        this.shards = shards;
    }

    /**
     * Opens the weights of {@code dir}; the sharded index wins when both layouts are present.
     *
     * @throws IOException when neither file exists, the index is malformed, or a shard fails to open
     */
    public static HfWeights open(Path dir) throws IOException {
        Path index = dir.resolve(INDEX_FILE);
        Map<String, SafetensorsReader> shards = new LinkedHashMap<>();
        Map<String, SafetensorsReader> byTensor = new LinkedHashMap<>();
        try {
            if (Files.isRegularFile(index)) {
                JsonNode map = readIndex(index);
                for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    String shard = shardName(index, e.getKey(), e.getValue());
                    SafetensorsReader reader = shards.get(shard);
                    if (reader == null) {
                        reader = SafetensorsReader.open(dir.resolve(shard));
                        shards.put(shard, reader);
                    }
                    if (!reader.tensors().containsKey(e.getKey())) {
                        throw new IOException(index + ": weight_map puts '" + e.getKey() + "' in " + shard
                                + ", which does not hold it");
                    }
                    byTensor.put(e.getKey(), reader);
                }
            } else if (Files.isRegularFile(dir.resolve(SINGLE_FILE))) {
                SafetensorsReader reader = SafetensorsReader.open(dir.resolve(SINGLE_FILE));
                shards.put(SINGLE_FILE, reader);
                reader.tensors().keySet().forEach(name -> byTensor.put(name, reader));
            } else {
                throw new IOException(dir + ": neither " + SINGLE_FILE + " nor " + INDEX_FILE + " found");
            }
        } catch (IOException | RuntimeException e) {
            for (SafetensorsReader r : shards.values()) {
                try {
                    r.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        return new HfWeights(Collections.unmodifiableMap(byTensor), shards);
    }

    /** Every tensor name. */
    public Set<String> names() {
        return byTensor.keySet();
    }

    /** The header entry of {@code name}, or null when there is no such tensor. */
    public SafetensorsReader.TensorInfo info(String name) {
        SafetensorsReader r = byTensor.get(name);
        return r == null ? null : r.tensors().get(name);
    }

    /** The values of {@code name} in fp32. */
    public float[] readFloats(String name) throws IOException {
        SafetensorsReader r = byTensor.get(name);
        if (r == null) {
            throw new IOException("tensor '" + name + "' is in none of the model's safetensors files");
        }
        return r.readFloats(name);
    }

    /** Writes the values of {@code name} in fp32 into {@code target} (see {@link SafetensorsReader#readFloats(String,
     * java.nio.FloatBuffer)}). */
    public void readFloats(String name, java.nio.FloatBuffer target) throws IOException {
        SafetensorsReader r = byTensor.get(name);
        if (r == null) {
            throw new IOException("tensor '" + name + "' is in none of the model's safetensors files");
        }
        r.readFloats(name, target);
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (SafetensorsReader r : shards.values()) {
            try {
                r.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private static JsonNode readIndex(Path index) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(index.toFile());
        } catch (IOException e) {
            throw new IOException(index + ": not valid JSON: " + e.getMessage(), e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new IOException(index + ": no weight_map object");
        }
        return map;
    }

    private static String shardName(Path index, String tensor, JsonNode value) throws IOException {
        if (!value.isTextual()) {
            throw new IOException(index + ": weight_map entry of '" + tensor + "' is not a file name");
        }
        String shard = value.asText();
        Path p = Path.of(shard);
        if (shard.isEmpty() || p.isAbsolute() || p.getNameCount() != 1 || shard.equals("..") || shard.equals(".")) {
            throw new IOException(index + ": weight_map entry of '" + tensor + "' names '" + shard
                    + "', not a file inside the model directory");
        }
        return shard;
    }
}

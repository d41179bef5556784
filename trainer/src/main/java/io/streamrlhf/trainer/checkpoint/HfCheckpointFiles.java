package io.streamrlhf.trainer.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrlhf.trainer.config.ModelConfig;
import io.streamrlhf.trainer.config.OptimizerConfig;
import io.streamrlhf.trainer.hf.DType;
import io.streamrlhf.trainer.hf.HfWeights;
import io.streamrlhf.trainer.hf.SafetensorsReader;
import io.streamrlhf.trainer.hf.SafetensorsWriter;
import io.streamrlhf.trainer.model.llama.LoraAdapters;
import io.streamrlhf.trainer.model.llama.LoraConfig;
import io.streamrlhf.trainer.optim.OptimizerState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;

/**
 * A Hugging Face model's version as a directory that other tools load as it is. Under LoRA it is a PEFT adapter:
 * {@code adapter_config.json} and {@code adapter_model.safetensors} (tensors named
 * {@code base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight}), which PEFT's
 * {@code PeftModel.from_pretrained}, vLLM's {@code LoRARequest} and TGI load beside the base model. Under full
 * fine-tuning it is the weights as {@code model.safetensors} under Hugging Face's names. Beside them,
 * {@code trainer_state.safetensors} holds what only the trainer needs to resume (AdamW's moments as tensors
 * {@code exp_avg.NAME} and {@code exp_avg_sq.NAME}, and in its metadata the model id, version, parent, step and
 * configs); PEFT and vLLM ignore that file.
 *
 * <p>The version's {@code sha256} covers every file: it is the SHA-256 of the manifest, one line
 * {@code NAME SHA256-OF-ITS-BYTES} per file in name order ({@link #digest}).
 */
public final class HfCheckpointFiles {

    /** The trainer's own file in the directory. */
    public static final String STATE_FILE = "trainer_state.safetensors";

    /** Every file a version directory may hold. */
    public static final List<String> FILES =
            List.of(LoraAdapters.CONFIG_FILE, LoraAdapters.WEIGHTS_FILE, HfWeights.SINGLE_FILE, STATE_FILE);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FIRST = "exp_avg.";
    private static final String SECOND = "exp_avg_sq.";

    private HfCheckpointFiles() {}

    /** Writes {@code c} (which must have an {@link HfLayout}) into the existing empty directory {@code dir}. */
    public static void write(Path dir, Checkpoint c) throws IOException {
        HfLayout layout = c.hf().orElseThrow(() -> new IllegalArgumentException("not a Hugging Face checkpoint"));
        SafetensorsWriter weights = new SafetensorsWriter().metadata("format", "pt");
        SafetensorsWriter state = new SafetensorsWriter()
                .metadata("format", "streamrlhf-trainer-state")
                .metadata("model_id", c.modelId())
                .metadata("version", Long.toString(c.version()))
                .metadata("parent_version", Long.toString(c.parentVersion()))
                .metadata("step", Long.toString(c.optimizerState().step()))
                .metadata("base_model", layout.baseModel())
                .metadata("model_config", JSON.writeValueAsString(c.model()))
                .metadata("optimizer_config", JSON.writeValueAsString(c.optimizer()));
        for (Map.Entry<String, float[]> e : c.weights().entrySet()) {
            long[] shape = layout.shapes().get(e.getKey());
            float[] first = c.optimizerState().firstMoments().get(e.getKey());
            float[] second = c.optimizerState().secondMoments().get(e.getKey());
            if (shape == null || first == null || second == null) {
                throw new IllegalArgumentException("shape or optimizer state missing for " + e.getKey());
            }
            weights.add(e.getKey(), DType.F32, shape, e.getValue());
            state.add(FIRST + e.getKey(), DType.F32, shape, first);
            state.add(SECOND + e.getKey(), DType.F32, shape, second);
        }
        if (layout.lora().isPresent()) {
            LoraAdapters.writeConfig(
                    dir.resolve(LoraAdapters.CONFIG_FILE), layout.lora().get(), layout.baseModel());
            weights.write(dir.resolve(LoraAdapters.WEIGHTS_FILE));
        } else {
            weights.write(dir.resolve(HfWeights.SINGLE_FILE));
        }
        state.write(dir.resolve(STATE_FILE));
    }

    /**
     * Reads a version directory whose files were already verified against their digest.
     *
     * @throws CorruptCheckpointException when a file is missing or malformed
     */
    public static Checkpoint read(Path dir, String source) throws CorruptCheckpointException {
        try {
            boolean lora = Files.isRegularFile(dir.resolve(LoraAdapters.CONFIG_FILE));
            Path weightsFile = dir.resolve(lora ? LoraAdapters.WEIGHTS_FILE : HfWeights.SINGLE_FILE);
            Map<String, float[]> weights = new LinkedHashMap<>();
            Map<String, long[]> shapes = new LinkedHashMap<>();
            try (SafetensorsReader reader = SafetensorsReader.open(weightsFile)) {
                for (SafetensorsReader.TensorInfo t : reader.tensors().values()) {
                    weights.put(t.name(), reader.readFloats(t.name()));
                    shapes.put(t.name(), t.shape());
                }
            }
            Map<String, float[]> first = new LinkedHashMap<>();
            Map<String, float[]> second = new LinkedHashMap<>();
            Map<String, String> meta;
            try (SafetensorsReader reader = SafetensorsReader.open(dir.resolve(STATE_FILE))) {
                meta = reader.metadata();
                for (String name : weights.keySet()) {
                    first.put(name, reader.readFloats(FIRST + name));
                    second.put(name, reader.readFloats(SECOND + name));
                }
                if (reader.tensors().size() != 2 * weights.size()) {
                    throw new CorruptCheckpointException(
                            source + ": " + STATE_FILE + " holds moments of tensors the" + " weights do not have");
                }
            }
            if (!"streamrlhf-trainer-state".equals(meta.get("format"))) {
                throw new CorruptCheckpointException(source + ": " + STATE_FILE + " is not a trainer state");
            }
            Optional<LoraConfig> loraConfig = lora
                    ? Optional.of(LoraAdapters.readConfig(dir.resolve(LoraAdapters.CONFIG_FILE)))
                    : Optional.empty();
            return new Checkpoint(
                    required(meta, "model_id", source),
                    Long.parseLong(required(meta, "version", source)),
                    Long.parseLong(required(meta, "parent_version", source)),
                    JSON.readValue(required(meta, "model_config", source), ModelConfig.class),
                    JSON.readValue(required(meta, "optimizer_config", source), OptimizerConfig.class),
                    weights,
                    new OptimizerState(Long.parseLong(required(meta, "step", source)), first, second),
                    Optional.of(new HfLayout(loraConfig, required(meta, "base_model", source), shapes)));
        } catch (CorruptCheckpointException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new CorruptCheckpointException(source + " could not be parsed: " + e.getMessage(), e);
        }
    }

    /** The SHA-256 (hex) of the manifest of {@code files} (name to bytes, in name order). */
    public static String digest(SortedMap<String, byte[]> files) {
        StringBuilder manifest = new StringBuilder();
        files.forEach((name, bytes) -> manifest.append(name)
                .append(' ')
                .append(CheckpointCodec.sha256Hex(bytes))
                .append('\n'));
        return CheckpointCodec.sha256Hex(manifest.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String required(Map<String, String> meta, String key, String source)
            throws CorruptCheckpointException {
        String value = meta.get(key);
        if (value == null) {
            throw new CorruptCheckpointException(source + ": " + STATE_FILE + " lacks " + key);
        }
        return value;
    }
}

package io.streamrlhf.trainer.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamrlhf.trainer.checkpoint.Checkpoint;
import io.streamrlhf.trainer.checkpoint.HfLayout;
import io.streamrlhf.trainer.hf.DType;
import io.streamrlhf.trainer.hf.HfWeights;
import io.streamrlhf.trainer.hf.SafetensorsWriter;
import io.streamrlhf.trainer.model.GradMode;
import io.streamrlhf.trainer.model.PolicyWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes a base model with its LoRA adapter merged in as a plain Hugging Face model directory that any server or
 * {@code transformers} loads without PEFT: {@code config.json} (the base's, with {@code torch_dtype} float32),
 * {@code model.safetensors} in fp32 under Hugging Face's tensor names, and the base's tokenizer files. Each
 * adapted projection becomes {@code W + scaling * B A} (PEFT's {@code merge_and_unload}); every other tensor is the
 * base's. The whole model is held in memory once while writing (one file, no shards).
 */
public final class LlamaExport {

    /** Files copied from the base directory when present, so the output is a complete model directory. */
    public static final List<String> TOKENIZER_FILES = List.of(
            "tokenizer.json",
            "tokenizer_config.json",
            "special_tokens_map.json",
            "generation_config.json",
            "vocab.json",
            "merges.txt",
            "tokenizer.model");

    private static final ObjectMapper JSON = new ObjectMapper();

    private LlamaExport() {}

    /**
     * Loads {@code modelDir} and the PEFT adapter in {@code adapterDir}, and writes the merged model into {@code out}
     * (created; it must not exist or be empty).
     *
     * @throws IOException when an input is missing or invalid, or {@code out} is a non-empty directory or a file
     */
    public static void mergeAndWrite(Path modelDir, Path adapterDir, Path out) throws IOException {
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(modelDir, manager)) {
            LoraAdapters adapters = LoraAdapters.load(adapterDir, model);
            model.attach(adapters);
            write(model, modelDir, out);
        }
    }

    /**
     * Writes a Hugging Face model's published version, read and verified from the checkpoint store, merged into its
     * base {@code modelDir}: a LoRA version's adapters merged as {@link #mergeAndWrite} does, a full fine-tuning
     * version's weights as they are. Only the verified tensors in {@code version} are used, never the store's files
     * again.
     *
     * @throws IOException when the base cannot be read, {@code out} is not new or empty, or the version is not a
     *     Hugging Face model's or does not fit the base
     */
    public static void writeVersion(Checkpoint version, Path modelDir, Path out) throws IOException {
        HfLayout layout = version.hf()
                .orElseThrow(() -> new IOException("version " + version.version() + " of " + version.modelId()
                        + " is a byte-level model's checkpoint, not a Hugging Face model's"));
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(modelDir, manager)) {
            try {
                if (layout.lora().isPresent()) {
                    model.attach(LoraAdapters.of(model, layout.lora().get(), version.weights()));
                } else {
                    PolicyWeights.load(model.parameters(), version.weights());
                }
            } catch (IllegalArgumentException e) {
                throw new IOException(
                        "version " + version.version() + " does not fit " + modelDir + ": " + e.getMessage(), e);
            }
            write(model, modelDir, out);
        }
    }

    /**
     * Writes {@code model} (loaded from {@code modelDir}) with its attached adapters, if any and enabled, merged
     * into {@code out}.
     */
    public static void write(LlamaModel model, Path modelDir, Path out) throws IOException {
        prepare(out);
        SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
        merged(model)
                .forEach((name, values) -> writer.add(
                        name, DType.F32, model.parameters().get(name).getShape().getShape(), values));
        JsonNode config = JSON.readTree(modelDir.resolve("config.json").toFile());
        if (!(config instanceof ObjectNode object)) {
            throw new IOException(modelDir.resolve("config.json") + " is not a JSON object");
        }
        object.put("torch_dtype", "float32");
        Path partial = out.resolve(HfWeights.SINGLE_FILE + ".partial");
        writer.write(partial);
        for (String name : TOKENIZER_FILES) {
            Path from = modelDir.resolve(name);
            if (Files.isRegularFile(from)) {
                Files.copy(from, out.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        JSON.writerWithDefaultPrettyPrinter()
                .writeValue(out.resolve("config.json").toFile(), object);
        // The weights appear under their final name last, so a reader never sees a half-written model file.
        Files.move(partial, out.resolve(HfWeights.SINGLE_FILE), StandardCopyOption.ATOMIC_MOVE);
    }

    /** Every base tensor by its Hugging Face name, the adapted projections with {@code scaling * B A} added. */
    static Map<String, float[]> merged(LlamaModel model) {
        LoraAdapters adapters = model.adapters();
        Map<String, LoraAdapters.Module> modules =
                adapters == null || !adapters.isEnabled() ? Map.of() : adapters.modules();
        double scaling = adapters == null ? 0 : adapters.config().scaling();
        Map<String, float[]> out = new LinkedHashMap<>();
        try (GradMode.Scope off = GradMode.off();
                NDManager scope = model.manager().newSubManager()) {
            for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                String name = e.getKey();
                LoraAdapters.Module m = name.endsWith(".weight")
                        ? modules.get(name.substring(0, name.length() - ".weight".length()))
                        : null;
                if (m == null) {
                    out.put(name, e.getValue().toFloatArray());
                    continue;
                }
                try (NDManager step = scope.newSubManager()) {
                    NDArray delta = m.b().matMul(m.a()).mul(scaling);
                    delta.attach(step);
                    NDArray sum = e.getValue().add(delta);
                    sum.attach(step);
                    out.put(name, sum.toFloatArray());
                }
            }
        }
        return out;
    }

    private static void prepare(Path out) throws IOException {
        if (Files.exists(out)) {
            if (!Files.isDirectory(out)) {
                throw new IOException(out + " exists and is not a directory");
            }
            try (Stream<Path> entries = Files.list(out)) {
                if (entries.findAny().isPresent()) {
                    throw new IOException(out + " is not empty; export writes into a new or empty directory");
                }
            }
        }
        Files.createDirectories(out);
    }
}

package io.streamrlhf.trainer.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamrlhf.trainer.hf.DType;
import io.streamrlhf.trainer.hf.SafetensorsReader;
import io.streamrlhf.trainer.hf.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * LoRA adapters for a {@link LlamaModel}, with PEFT's semantics and on-disk layout: {@code adapter_config.json}
 * and {@code adapter_model.safetensors} with tensors named
 * {@code base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight} ({@code A (r, in)}) and
 * {@code ...lora_B.weight} ({@code B (out, r)}), so PEFT, vLLM or TGI load a saved adapter as it is.
 *
 * <p>Attach them with {@link LlamaModel#attach}; the base weights stay frozen and only {@link #parameters()} get
 * gradients. {@link #disabled()} switches them off for a scope, which gives the frozen base as DPO's and KTO's
 * reference without a second copy of the model. Close to free their memory.
 */
public final class LoraAdapters implements AutoCloseable {

    /** The adapter's config file. */
    public static final String CONFIG_FILE = "adapter_config.json";

    /** The adapter's weights file. */
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";

    private static final String PREFIX = "base_model.model.";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One adapted projection's matrices. */
    record Module(NDArray a, NDArray b) {}

    private final LoraConfig config;
    private final NDManager manager;
    private final Map<String, Module> modules;
    private boolean enabled = true;

    private LoraAdapters(LoraConfig config, NDManager manager, Map<String, Module> modules) {
        this.config = config;
        this.manager = manager;
        this.modules = Collections.unmodifiableMap(modules);
    }

    /**
     * New adapters for every layer's targeted projections of {@code model}, initialised as PEFT does:
     * {@code A} uniform in {@code ±1/sqrt(in)} (Kaiming-uniform with {@code a = sqrt(5)}), {@code B} zero.
     */
    public static LoraAdapters create(LlamaModel model, LoraConfig config, long seed) {
        Random random = new Random(seed);
        NDManager manager = model.manager().newSubManager();
        Map<String, Module> modules = new LinkedHashMap<>();
        for (int layer = 0; layer < model.config().numHiddenLayers(); layer++) {
            for (LoraConfig.Target t : config.targets()) {
                String path = t.path(layer);
                Shape w = model.parameters().get(path + ".weight").getShape();
                long out = w.get(0);
                long in = w.get(1);
                float[] a = new float[Math.toIntExact(config.rank() * in)];
                double bound = 1 / Math.sqrt(in);
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
                }
                modules.put(
                        path,
                        new Module(
                                manager.create(a, new Shape(config.rank(), in)),
                                manager.zeros(new Shape(out, config.rank()))));
            }
        }
        LoraAdapters adapters = new LoraAdapters(config, manager, modules);
        adapters.parameters().values().forEach(p -> p.setRequiresGradient(true));
        return adapters;
    }

    /**
     * Reads a PEFT LoRA adapter directory for {@code model}.
     *
     * @throws IOException when a file is missing or malformed, the adapter uses a PEFT option this implementation
     *     does not (DoRA, trained biases, {@code fan_in_fan_out}, per-layer ranks, modules to save), or a tensor is
     *     missing, unexpected or misshapen
     */
    public static LoraAdapters load(Path dir, LlamaModel model) throws IOException {
        LoraConfig config = readConfig(dir.resolve(CONFIG_FILE));
        NDManager manager = model.manager().newSubManager();
        try (SafetensorsReader reader = SafetensorsReader.open(dir.resolve(WEIGHTS_FILE))) {
            Map<String, Module> modules = new LinkedHashMap<>();
            Set<String> expected = new HashSet<>();
            for (int layer = 0; layer < model.config().numHiddenLayers(); layer++) {
                for (LoraConfig.Target t : config.targets()) {
                    String path = t.path(layer);
                    Shape w = model.parameters().get(path + ".weight").getShape();
                    NDArray a =
                            read(reader, manager, PREFIX + path + ".lora_A.weight", new Shape(config.rank(), w.get(1)));
                    NDArray b =
                            read(reader, manager, PREFIX + path + ".lora_B.weight", new Shape(w.get(0), config.rank()));
                    expected.add(PREFIX + path + ".lora_A.weight");
                    expected.add(PREFIX + path + ".lora_B.weight");
                    modules.put(path, new Module(a, b));
                }
            }
            for (String name : reader.tensors().keySet()) {
                if (!expected.contains(name)) {
                    throw new IOException(reader.file() + ": unexpected tensor '" + name + "' for target modules "
                            + config.targets());
                }
            }
            LoraAdapters adapters = new LoraAdapters(config, manager, modules);
            adapters.parameters().values().forEach(p -> p.setRequiresGradient(true));
            return adapters;
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Adapters for {@code model} holding {@code weights} (by PEFT's saved names, as {@link #parameters()} names
     * them), for a checkpoint read into memory.
     *
     * @throws IllegalArgumentException when a tensor is missing, unexpected or of the wrong size
     */
    public static LoraAdapters of(LlamaModel model, LoraConfig config, Map<String, float[]> weights) {
        NDManager manager = model.manager().newSubManager();
        try {
            Map<String, Module> modules = new LinkedHashMap<>();
            Set<String> expected = new HashSet<>();
            for (int layer = 0; layer < model.config().numHiddenLayers(); layer++) {
                for (LoraConfig.Target t : config.targets()) {
                    String path = t.path(layer);
                    Shape w = model.parameters().get(path + ".weight").getShape();
                    String a = PREFIX + path + ".lora_A.weight";
                    String b = PREFIX + path + ".lora_B.weight";
                    expected.add(a);
                    expected.add(b);
                    modules.put(
                            path,
                            new Module(
                                    create(manager, weights, a, new Shape(config.rank(), w.get(1))),
                                    create(manager, weights, b, new Shape(w.get(0), config.rank()))));
                }
            }
            for (String name : weights.keySet()) {
                if (!expected.contains(name)) {
                    throw new IllegalArgumentException(
                            "unexpected adapter tensor '" + name + "' for target modules " + config.targets());
                }
            }
            return new LoraAdapters(config, manager, modules);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static NDArray create(NDManager manager, Map<String, float[]> weights, String name, Shape shape) {
        float[] values = weights.get(name);
        if (values == null || values.length != shape.size()) {
            throw new IllegalArgumentException("adapter tensor '" + name + "' missing or of size "
                    + (values == null ? "none" : values.length) + ", expected " + shape);
        }
        return manager.create(values, shape);
    }

    /** Writes {@code adapter_config.json} and {@code adapter_model.safetensors} (F32) into {@code dir}. */
    public void save(Path dir, String baseModelNameOrPath) throws IOException {
        Files.createDirectories(dir);
        writeConfig(dir.resolve(CONFIG_FILE), config, baseModelNameOrPath);
        SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
        for (Map.Entry<String, NDArray> e : parameters().entrySet()) {
            NDArray p = e.getValue();
            writer.add(e.getKey(), DType.F32, p.getShape().getShape(), p.toFloatArray());
        }
        writer.write(dir.resolve(WEIGHTS_FILE));
    }

    /** Writes PEFT's {@code adapter_config.json} for {@code config} to {@code file}. */
    public static void writeConfig(Path file, LoraConfig config, String baseModelNameOrPath) throws IOException {
        ObjectNode c = JSON.createObjectNode();
        c.put("peft_type", "LORA");
        c.put("task_type", "CAUSAL_LM");
        c.put("base_model_name_or_path", baseModelNameOrPath);
        c.put("r", config.rank());
        if (config.alpha() == Math.rint(config.alpha())) {
            c.put("lora_alpha", (long) config.alpha());
        } else {
            c.put("lora_alpha", config.alpha());
        }
        c.put("lora_dropout", config.dropout());
        ArrayNode targets = c.putArray("target_modules");
        config.targets().forEach(t -> targets.add(t.moduleName()));
        c.put("bias", "none");
        c.put("fan_in_fan_out", false);
        c.put("use_rslora", config.rsLora());
        c.put("use_dora", false);
        c.put("init_lora_weights", true);
        c.put("inference_mode", true);
        c.putNull("modules_to_save");
        c.putNull("layers_to_transform");
        c.putNull("layers_pattern");
        c.putObject("rank_pattern");
        c.putObject("alpha_pattern");
        JSON.writeValue(file.toFile(), c);
    }

    /** The adapters' trainable matrices by PEFT's saved names, in a fixed order. */
    public Map<String, NDArray> parameters() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        modules.forEach((path, m) -> {
            out.put(PREFIX + path + ".lora_A.weight", m.a());
            out.put(PREFIX + path + ".lora_B.weight", m.b());
        });
        return Collections.unmodifiableMap(out);
    }

    /** The adapted modules by their base path ({@code model.layers.0.self_attn.q_proj}), in a fixed order. */
    Map<String, Module> modules() {
        return modules;
    }

    /** The hyper-parameters. */
    public LoraConfig config() {
        return config;
    }

    /** Whether the adapters take part in the forward pass. */
    public boolean isEnabled() {
        return enabled;
    }

    /** Switches the adapters off until the returned scope closes (the model is then its frozen base). */
    public Scope disabled() {
        boolean previous = enabled;
        enabled = false;
        return () -> enabled = previous;
    }

    /** Restores the adapters' previous state when closed. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** The adapter of the projection at {@code path} ({@code model.layers.0.self_attn.q_proj}), or null. */
    Module module(String path) {
        return modules.get(path);
    }

    @Override
    public void close() {
        manager.close();
    }

    private static NDArray read(SafetensorsReader reader, NDManager manager, String name, Shape shape)
            throws IOException {
        SafetensorsReader.TensorInfo info = reader.tensors().get(name);
        if (info == null) {
            throw new IOException(reader.file() + ": missing tensor '" + name + "'");
        }
        if (!new Shape(info.shape()).equals(shape)) {
            throw new IOException(reader.file() + ": tensor '" + name + "' has shape " + new Shape(info.shape())
                    + ", expected " + shape);
        }
        return manager.create(reader.readFloats(name), shape);
    }

    /**
     * Reads PEFT's {@code adapter_config.json}.
     *
     * @throws IOException when it is malformed or uses a PEFT option this implementation does not
     */
    public static LoraConfig readConfig(Path file) throws IOException {
        JsonNode c = JSON.readTree(file.toFile());
        if (c == null || !c.isObject()) {
            throw new IOException(file + ": not a JSON object");
        }
        requireValue(file, c, "peft_type", "LORA", true);
        requireValue(file, c, "bias", "none", false);
        requireFalse(file, c, "fan_in_fan_out");
        requireFalse(file, c, "use_dora");
        for (String field : new String[] {"rank_pattern", "alpha_pattern"}) {
            JsonNode n = c.get(field);
            if (n != null && !n.isNull() && !(n.isObject() && n.isEmpty())) {
                throw new IOException(file + ": " + field + " " + n + " is not supported (one rank and alpha for all)");
            }
        }
        for (String field : new String[] {"modules_to_save", "layers_to_transform", "layers_pattern"}) {
            JsonNode n = c.get(field);
            if (n != null && !n.isNull() && !(n.isArray() && n.isEmpty())) {
                throw new IOException(file + ": " + field + " " + n + " is not supported");
            }
        }
        JsonNode targets = c.get("target_modules");
        if (targets == null || !targets.isArray()) {
            throw new IOException(file + ": target_modules must be a list of module names (a regex is not supported)");
        }
        Set<LoraConfig.Target> set = EnumSet.noneOf(LoraConfig.Target.class);
        for (JsonNode t : targets) {
            try {
                set.add(LoraConfig.Target.of(t.asText()));
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": " + e.getMessage(), e);
            }
        }
        JsonNode r = c.get("r");
        JsonNode alpha = c.get("lora_alpha");
        if (r == null || !r.canConvertToInt() || alpha == null || !alpha.isNumber()) {
            throw new IOException(file + ": r and lora_alpha must be numbers");
        }
        JsonNode dropout = c.get("lora_dropout");
        JsonNode rs = c.get("use_rslora");
        try {
            return new LoraConfig(
                    r.asInt(),
                    alpha.asDouble(),
                    dropout == null || dropout.isNull() ? 0 : dropout.asDouble(),
                    set,
                    rs != null && rs.asBoolean(false));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static void requireValue(Path file, JsonNode c, String field, String value, boolean required)
            throws IOException {
        JsonNode n = c.get(field);
        if ((n == null || n.isNull()) && !required) {
            return;
        }
        if (n == null || !value.equals(n.asText())) {
            throw new IOException(file + ": " + field + " is " + n + ", only \"" + value + "\" is supported");
        }
    }

    private static void requireFalse(Path file, JsonNode c, String field) throws IOException {
        JsonNode n = c.get(field);
        if (n != null && !n.isNull() && !(n.isBoolean() && !n.asBoolean())) {
            throw new IOException(file + ": " + field + " " + n + " is not supported");
        }
    }
}

package io.streamrlhf.trainer.model.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamrlhf.trainer.hf.DType;
import io.streamrlhf.trainer.hf.SafetensorsReader;
import io.streamrlhf.trainer.hf.SafetensorsWriter;
import io.streamrlhf.trainer.model.GradMode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading refuses weights that disagree with the config; the forward pass refuses what it does not implement. */
@Tag("hf-models")
class LlamaModelLoadTest {

    @TempDir
    Path tmp;

    @Test
    void loadsEveryWeightByItsHuggingFaceName() throws IOException {
        TinyLlamaModels.Variant qwen2 = variant("qwen2");
        TinyLlamaModels.write(qwen2, tmp, 1);
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(tmp, manager)) {
            assertThat(model.parameters())
                    .containsKeys(
                            "model.embed_tokens.weight",
                            "model.layers.1.self_attn.q_proj.bias",
                            "model.layers.0.mlp.down_proj.weight",
                            "lm_head.weight")
                    .doesNotContainKey("model.layers.0.self_attn.o_proj.bias");
            assertThat(model.parameters()
                            .get("model.layers.0.self_attn.k_proj.weight")
                            .getShape())
                    .isEqualTo(new Shape(8, 32));
        }
    }

    @Test
    void refusesAnUnexpectedTensorSoThatAConfigFieldIsNotSilentlyIgnored() throws IOException {
        TinyLlamaModels.write(variant("llama"), tmp, 1);
        rewrite(tmp, "model.layers.0.mlp.up_proj.bias", new long[] {48});
        try (NDManager manager = NDManager.newBaseManager()) {
            assertThatThrownBy(() -> LlamaModel.load(tmp, manager))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("unexpected tensor 'model.layers.0.mlp.up_proj.bias'");
        }
    }

    @Test
    void refusesAMissingOrMisshapenTensor() throws IOException {
        ObjectNode config = TinyLlamaModels.base("llama", 32, 4, 2, false);
        TinyLlamaModels.write(new TinyLlamaModels.Variant("llama", config, DType.F32, false), tmp, 1);
        // The same weights under a config with more layers: layer 2 is missing.
        config.put("num_hidden_layers", 3);
        TinyLlamaModels.JSON.writeValue(tmp.resolve("config.json").toFile(), config);
        try (NDManager manager = NDManager.newBaseManager()) {
            assertThatThrownBy(() -> LlamaModel.load(tmp, manager))
                    .hasMessageContaining("missing tensor 'model.layers.2.");
            config.put("num_hidden_layers", 2);
            config.put("intermediate_size", 40);
            TinyLlamaModels.JSON.writeValue(tmp.resolve("config.json").toFile(), config);
            assertThatThrownBy(() -> LlamaModel.load(tmp, manager))
                    .hasMessageContaining("mlp.gate_proj.weight' has shape [48, 32], the config needs [40, 32]");
        }
    }

    @Test
    void refusesSequencesLongerThanMistralsSlidingWindow() throws IOException {
        ObjectNode config = TinyLlamaModels.base("mistral", 32, 4, 2, false);
        config.put("sliding_window", 4);
        TinyLlamaModels.write(new TinyLlamaModels.Variant("mistral", config, DType.F32, false), tmp, 1);
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(tmp, manager);
                GradMode.Scope off = GradMode.off()) {
            assertThat(model.logits(manager.zeros(new Shape(1, 4), ai.djl.ndarray.types.DataType.INT64))
                            .getShape())
                    .isEqualTo(new Shape(1, 4, 61));
            assertThatThrownBy(() -> model.logits(manager.zeros(new Shape(1, 5), ai.djl.ndarray.types.DataType.INT64)))
                    .hasMessageContaining("sliding window 4");
        }
    }

    private static TinyLlamaModels.Variant variant(String prefix) {
        return TinyLlamaModels.variants().stream()
                .filter(v -> v.name().startsWith(prefix))
                .findFirst()
                .orElseThrow();
    }

    /** Rewrites {@code dir/model.safetensors} with one extra zero tensor. */
    private static void rewrite(Path dir, String extra, long[] shape) throws IOException {
        Path file = dir.resolve("model.safetensors");
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            for (SafetensorsReader.TensorInfo t : r.tensors().values()) {
                values.put(t.name(), r.readFloats(t.name()));
                shapes.put(t.name(), t.shape());
            }
        }
        SafetensorsWriter w = new SafetensorsWriter();
        values.forEach((name, v) -> w.add(name, DType.F32, shapes.get(name), v));
        w.add(extra, DType.F32, shape, new float[(int) shape[0]]);
        w.write(file);
    }
}

package io.streamrlhf.trainer.model.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamrlhf.trainer.hf.SafetensorsReader;
import io.streamrlhf.trainer.model.GradMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * LoRA with PEFT's semantics: a fresh adapter leaves the base unchanged, an adapter saved in PEFT's layout and merged
 * into the base by the independent PyTorch implementation gives the DJL model's logits, switching adapters off
 * gives the base, and only the adapters get gradients, equal to PyTorch's.
 */
class LoraTest {

    private static final long[][] PADDED = {{1, 17, 42, 5, 60, 33, 8, 2}, {0, 0, 1, 17, 42, 5, 60, 33}};
    private static final long[][] PADDED_MASK = {{1, 1, 1, 1, 1, 1, 1, 1}, {0, 0, 1, 1, 1, 1, 1, 1}};
    private static final LoraConfig ALL = new LoraConfig(4, 8, 0.0, LoraConfig.allTargets(), false);

    @TempDir
    static Path tmp;

    @BeforeAll
    static void needsTorch() throws Exception {
        LlamaReferenceTest.needsTorch();
    }

    static Stream<TinyLlamaModels.Variant> variants() {
        return TinyLlamaModels.variants().stream()
                .filter(v -> v.name().startsWith("qwen2")
                        || v.name().startsWith("qwen3")
                        || v.name().startsWith("llama3"));
    }

    @Test
    void aFreshAdapterLeavesTheBaseUnchanged() throws IOException {
        Path dir = tmp.resolve("fresh");
        TinyLlamaModels.write(TinyLlamaModels.variants().get(0), dir, 3);
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(dir, manager);
                GradMode.Scope off = GradMode.off()) {
            NDArray tokens = manager.create(LlamaReferenceTest.flatten(PADDED), new Shape(2, 8));
            float[] base = model.logits(tokens).toFloatArray();
            LoraAdapters adapters = LoraAdapters.create(model, ALL, 5);
            model.attach(adapters);
            assertThat(model.logits(tokens).toFloatArray()).containsExactly(base);
            float[] a = adapters.parameters()
                    .get("base_model.model.model.layers.0.mlp.down_proj.lora_A.weight")
                    .toFloatArray();
            // Kaiming-uniform with a = sqrt(5) over fan-in 48 (down_proj's input): bound 1/sqrt(48).
            assertThat(a).hasSize(4 * 48);
            for (float v : a) {
                assertThat(Math.abs(v)).isLessThanOrEqualTo((float) (1 / Math.sqrt(48)));
            }
            assertThat(a).as("A is random, not zero").doesNotContain(0f);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void aSavedAdapterMergedByThePyTorchImplementationGivesTheSameLogits(TinyLlamaModels.Variant variant)
            throws Exception {
        Path dir = tmp.resolve("merged-" + variant.name());
        Path adapterDir = dir.resolve("adapter");
        TinyLlamaModels.write(variant, dir, 17);
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(dir, manager);
                GradMode.Scope off = GradMode.off()) {
            LoraAdapters adapters = LoraAdapters.create(model, ALL, 19);
            randomize(adapters, 23);
            model.attach(adapters);
            adapters.save(adapterDir, dir.toString());
            NDArray tokens = manager.create(LlamaReferenceTest.flatten(PADDED), new Shape(2, 8));
            NDArray mask = manager.create(LlamaReferenceTest.flatten(PADDED_MASK), new Shape(2, 8));
            JsonNode merged = LlamaReferenceTest.runReference(dir, PADDED, PADDED_MASK, List.of(), adapterDir);
            LlamaReferenceTest.assertClose(
                    variant + " with adapter",
                    model.logits(tokens, mask).toFloatArray(),
                    merged.get("logits"),
                    PADDED_MASK);
            JsonNode base = LlamaReferenceTest.runReference(dir, PADDED, PADDED_MASK, List.of(), null);
            float[] disabled;
            try (LoraAdapters.Scope s = adapters.disabled()) {
                disabled = model.logits(tokens, mask).toFloatArray();
            }
            LlamaReferenceTest.assertClose(variant + " adapter off", disabled, base.get("logits"), PADDED_MASK);
            assertThat(adapters.isEnabled()).isTrue();
        }
    }

    @Test
    void onlyTheAdaptersGetGradientsAndTheyMatchPyTorch() throws Exception {
        TinyLlamaModels.Variant variant = TinyLlamaModels.variants().stream()
                .filter(v -> v.name().startsWith("qwen2"))
                .findFirst()
                .orElseThrow();
        Path dir = tmp.resolve("grad");
        Path adapterDir = dir.resolve("adapter");
        TinyLlamaModels.write(variant, dir, 29);
        LoraConfig attention = new LoraConfig(
                2,
                16,
                0.0,
                EnumSet.of(LoraConfig.Target.Q_PROJ, LoraConfig.Target.V_PROJ, LoraConfig.Target.DOWN_PROJ),
                true);
        List<String> names = List.of(
                "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
                "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight",
                "base_model.model.model.layers.1.mlp.down_proj.lora_B.weight",
                "base_model.model.model.layers.1.self_attn.v_proj.lora_A.weight");
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(dir, manager)) {
            LoraAdapters adapters = LoraAdapters.create(model, attention, 31);
            randomize(adapters, 37);
            adapters.save(adapterDir, "tiny");
            model.attach(adapters);
            NDArray tokens = manager.create(LlamaReferenceTest.flatten(PADDED), new Shape(2, 8));
            NDArray mask = manager.create(LlamaReferenceTest.flatten(PADDED_MASK), new Shape(2, 8));
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(
                        LlamaReferenceTest.nextTokenLogLikelihood(model.logits(tokens, mask, true), tokens, mask));
            }
            for (NDArray base : model.parameters().values()) {
                assertThat(base.hasGradient())
                        .as("base weight %s is frozen", base.getName())
                        .isFalse();
            }
            JsonNode reference = LlamaReferenceTest.runReference(dir, PADDED, PADDED_MASK, names, adapterDir);
            for (String name : names) {
                LlamaReferenceTest.assertGradientClose(
                        name,
                        adapters.parameters().get(name).getGradient().toFloatArray(),
                        reference.get("grads").get(name));
            }
        }
    }

    @Test
    void savesPeftsLayoutAndLoadsItBack() throws IOException {
        Path dir = tmp.resolve("layout");
        Path adapterDir = dir.resolve("adapter");
        TinyLlamaModels.write(TinyLlamaModels.variants().get(0), dir, 41);
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(dir, manager)) {
            LoraAdapters adapters = LoraAdapters.create(
                    model,
                    new LoraConfig(8, 16, 0.05, EnumSet.of(LoraConfig.Target.Q_PROJ, LoraConfig.Target.V_PROJ), false),
                    43);
            randomize(adapters, 47);
            adapters.save(adapterDir, "meta-llama/Llama-3.2-1B");
            JsonNode config = TinyLlamaModels.JSON.readTree(
                    adapterDir.resolve("adapter_config.json").toFile());
            assertThat(config.get("peft_type").asText()).isEqualTo("LORA");
            assertThat(config.get("r").asInt()).isEqualTo(8);
            assertThat(config.get("lora_alpha").isIntegralNumber()).isTrue();
            assertThat(config.get("lora_alpha").asInt()).isEqualTo(16);
            assertThat(config.get("lora_dropout").asDouble()).isEqualTo(0.05);
            assertThat(config.get("target_modules").toString()).isEqualTo("[\"q_proj\",\"v_proj\"]");
            assertThat(config.get("bias").asText()).isEqualTo("none");
            assertThat(config.get("base_model_name_or_path").asText()).isEqualTo("meta-llama/Llama-3.2-1B");
            try (SafetensorsReader r = SafetensorsReader.open(adapterDir.resolve("adapter_model.safetensors"))) {
                assertThat(r.tensors())
                        .containsKeys(
                                "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
                                "base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight");
                assertThat(r.tensors()).hasSize(2 * 2 * 2);
                assertThat(r.tensors()
                                .get("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight")
                                .shape())
                        .containsExactly(8, 32);
                assertThat(r.tensors()
                                .get("base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight")
                                .shape())
                        .containsExactly(16, 8);
            }
            try (LoraAdapters loaded = LoraAdapters.load(adapterDir, model)) {
                assertThat(loaded.config()).isEqualTo(adapters.config());
                for (Map.Entry<String, NDArray> e : adapters.parameters().entrySet()) {
                    assertThat(loaded.parameters().get(e.getKey()).toFloatArray())
                            .containsExactly(e.getValue().toFloatArray());
                }
            }
        }
    }

    @Test
    void refusesAdaptersUsingPeftOptionsItDoesNotImplement() throws IOException {
        Path dir = tmp.resolve("refused");
        Path adapterDir = dir.resolve("adapter");
        TinyLlamaModels.write(TinyLlamaModels.variants().get(0), dir, 53);
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(dir, manager)) {
            LoraAdapters.create(model, ALL, 59).save(adapterDir, "tiny");
            Path configFile = adapterDir.resolve("adapter_config.json");
            String original = Files.readString(configFile);
            for (String[] change : new String[][] {
                {"use_dora", "true"},
                {"bias", "\"all\""},
                {"fan_in_fan_out", "true"},
                {"target_modules", "\"q_proj|v_proj\""},
                {"rank_pattern", "{\"q_proj\": 2}"},
                {"modules_to_save", "[\"lm_head\"]"}
            }) {
                ObjectNode c = (ObjectNode) TinyLlamaModels.JSON.readTree(original);
                c.set(change[0], TinyLlamaModels.JSON.readTree(change[1]));
                TinyLlamaModels.JSON.writeValue(configFile.toFile(), c);
                assertThatThrownBy(() -> LoraAdapters.load(adapterDir, model))
                        .as(change[0])
                        .isInstanceOf(IOException.class)
                        .hasMessageContaining(change[0]);
            }
        }
    }

    /** Random B (and A) as after training, since PEFT's zero B would make every comparison trivial. */
    private static void randomize(LoraAdapters adapters, long seed) {
        Random random = new Random(seed);
        try (GradMode.Scope off = GradMode.off()) {
            for (NDArray p : adapters.parameters().values()) {
                float[] values = new float[Math.toIntExact(p.size())];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (0.3 * random.nextGaussian());
                }
                try (NDManager scope = p.getManager().newSubManager()) {
                    p.muli(0).addi(scope.create(values, p.getShape()));
                }
            }
        }
    }
}

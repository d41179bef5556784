package io.streamrlhf.trainer.model.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamrlhf.trainer.hf.SafetensorsReader;
import io.streamrlhf.trainer.loss.LossConfig;
import io.streamrlhf.trainer.loss.LossOutput;
import io.streamrlhf.trainer.loss.LossType;
import io.streamrlhf.trainer.loss.PairedLogps;
import io.streamrlhf.trainer.loss.PreferenceLosses;
import io.streamrlhf.trainer.model.GradMode;
import io.streamrlhf.trainer.model.PolicyWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * LoRA with PEFT's semantics: a fresh adapter leaves the base unchanged, an adapter saved in PEFT's layout and merged
 * into the base by the independent PyTorch implementation gives the DJL model's logits, switching adapters off
 * gives the base, and only the adapters get gradients, equal to PyTorch's.
 */
@Tag("hf-models")
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

    @Test
    void oneDpoStepsAdapterGradientsMatchPyTorchWithTheReferenceAsTheBaseWithAdaptersOff() throws Exception {
        TinyLlamaModels.Variant variant = TinyLlamaModels.variants().stream()
                .filter(v -> v.name().startsWith("qwen3"))
                .findFirst()
                .orElseThrow();
        Path dir = tmp.resolve("dpo");
        Path adapterDir = dir.resolve("adapter");
        TinyLlamaModels.write(variant, dir, 61);
        // Two pairs, left-padded: rows 0 and 2 share a prompt, as do rows 1 and 3; chosen rows 0, 1.
        long[][] tokens = {
            {0, 1, 17, 42, 5, 60, 33, 2},
            {1, 9, 9, 27, 51, 0, 44, 2},
            {0, 1, 17, 42, 5, 12, 40, 2},
            {1, 9, 9, 27, 30, 31, 3, 2}
        };
        long[][] mask = {
            {0, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1, 1}, {0, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1, 1}
        };
        float[][] completion = {
            {0, 0, 0, 0, 0, 1, 1, 1}, {0, 0, 0, 0, 1, 1, 1, 1}, {0, 0, 0, 0, 0, 1, 1, 1}, {0, 0, 0, 0, 1, 1, 1, 1}
        };
        double beta = 0.5;
        List<String> names = List.of(
                "base_model.model.model.layers.0.self_attn.k_proj.lora_B.weight",
                "base_model.model.model.layers.1.mlp.gate_proj.lora_A.weight",
                "base_model.model.model.layers.1.self_attn.o_proj.lora_B.weight");
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(dir, manager)) {
            LoraAdapters adapters = LoraAdapters.create(model, ALL, 67);
            randomize(adapters, 71);
            adapters.save(adapterDir, "tiny");
            model.attach(adapters);
            NDArray ids = manager.create(LlamaReferenceTest.flatten(tokens), new Shape(4, 8));
            NDArray attention = manager.create(LlamaReferenceTest.flatten(mask), new Shape(4, 8));
            NDArray targets =
                    manager.create(flatten(completion), new Shape(4, 8)).get(":, 1:");
            NDArray reference;
            try (GradMode.Scope off = GradMode.off();
                    LoraAdapters.Scope base = adapters.disabled()) {
                reference = sequenceLogps(model.logits(ids, attention), ids, targets);
            }
            float loss;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray policy = sequenceLogps(model.logits(ids, attention, true), ids, targets);
                NDArray chosen = manager.create(new long[] {0, 1});
                NDArray rejected = manager.create(new long[] {2, 3});
                NDArray counts = manager.create(new float[] {3, 4});
                LossOutput out = PreferenceLosses.paired(
                        LossConfig.defaults(LossType.DPO_SIGMOID).withBeta(beta),
                        new PairedLogps(
                                policy.get(chosen),
                                policy.get(rejected),
                                reference.get(chosen),
                                reference.get(rejected),
                                counts,
                                counts,
                                manager.ones(new Shape(2))));
                loss = out.loss().getFloat();
                collector.backward(out.loss());
            }
            ObjectNode dpo = TinyLlamaModels.JSON.createObjectNode();
            dpo.put("beta", beta);
            dpo.set("completion_mask", TinyLlamaModels.JSON.valueToTree(completion));
            dpo.set("pairs", TinyLlamaModels.JSON.valueToTree(new int[][] {{0, 2}, {1, 3}}));
            JsonNode expected = LlamaReferenceTest.runReference(dir, tokens, mask, names, adapterDir, dpo);
            assertThat((double) loss).isCloseTo(expected.get("loss").asDouble(), within(1e-5));
            assertThat(Math.abs(loss - Math.log(2)))
                    .as("the adapter moved the policy off the reference")
                    .isGreaterThan(1e-3);
            for (String name : names) {
                LlamaReferenceTest.assertGradientClose(
                        name,
                        adapters.parameters().get(name).getGradient().toFloatArray(),
                        expected.get("grads").get(name));
            }
        }
    }

    /** Per row, the summed log-probs of the next tokens that {@code targets (B, T-1)} marks as completion. */
    private static NDArray sequenceLogps(NDArray logits, NDArray ids, NDArray targets) {
        return logits.get(":, :-1, :")
                .logSoftmax(-1)
                .gather(ids.get(":, 1:").expandDims(-1), -1)
                .squeeze(-1)
                .mul(targets)
                .sum(new int[] {1});
    }

    private static float[] flatten(float[][] rows) {
        float[] out = new float[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * rows[0].length, rows[0].length);
        }
        return out;
    }

    /** Random B (and A) as after training, since PEFT's zero B would make every comparison trivial. */
    static void randomize(LoraAdapters adapters, long seed) {
        Random random = new Random(seed);
        try (GradMode.Scope off = GradMode.off()) {
            for (NDArray p : adapters.parameters().values()) {
                float[] values = new float[Math.toIntExact(p.size())];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (0.3 * random.nextGaussian());
                }
                PolicyWeights.assign(p, values);
            }
        }
    }
}

package io.streamrlhf.trainer.model.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import io.streamrlhf.trainer.hf.HfWeights;
import io.streamrlhf.trainer.model.GradMode;
import io.streamrlhf.trainer.model.PolicyWeights;
import io.streamrlhf.trainer.tokenizer.ByteTokenizerFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A merged export is a plain Hugging Face directory: the independent PyTorch implementation
 * ({@code llama_reference.py}) loading it without any adapter gives the logits of the base with the adapter in
 * DJL. Needs Debian's python3 with python3-torch, like {@link LlamaReferenceTest}.
 */
@Tag("hf-models")
class LlamaExportTest {

    private static final long[][] PADDED = {{1, 17, 42, 5, 60, 33, 8, 2}, {0, 0, 1, 17, 42, 5, 60, 33}};
    private static final long[][] PADDED_MASK = {{1, 1, 1, 1, 1, 1, 1, 1}, {0, 0, 1, 1, 1, 1, 1, 1}};

    @TempDir
    static Path tmp;

    @BeforeAll
    static void needsTorch() throws Exception {
        LlamaReferenceTest.needsTorch();
    }

    static Stream<TinyLlamaModels.Variant> variants() {
        // Untied with grouped-query attention, sharded with q/k/v biases, and tied with Qwen3's q/k norms in bf16.
        Set<String> names = Set.of("llama-gqa-untied", "qwen2-bias-sharded", "qwen3-qknorm-headdim-bf16");
        return TinyLlamaModels.variants().stream().filter(v -> names.contains(v.name()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void theReferenceLoadingTheExportGivesTheLogitsOfBasePlusAdapter(TinyLlamaModels.Variant variant) throws Exception {
        Path base = tmp.resolve(variant.name());
        Path adapterDir = tmp.resolve(variant.name() + "-adapter");
        Path out = tmp.resolve(variant.name() + "-merged");
        TinyLlamaModels.write(variant, base, 31);
        ByteTokenizerFiles.write(base);
        LoraConfig lora = new LoraConfig(
                4, 16, 0.0, Set.of(LoraConfig.Target.of("q_proj"), LoraConfig.Target.of("down_proj")), false);
        float[] expected;
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(base, manager);
                GradMode.Scope off = GradMode.off()) {
            LoraAdapters adapters = LoraAdapters.create(model, lora, 37);
            randomize(adapters, 41);
            model.attach(adapters);
            adapters.save(adapterDir, base.toString());
            expected = logits(manager, model);
            try (LoraAdapters.Scope s = adapters.disabled()) {
                // The adapter must matter, or the comparison below would pass for an export of the bare base.
                assertThat(maxAbsDiff(logits(manager, model), expected)).isGreaterThan(1e-2);
            }
        }
        LlamaExport.mergeAndWrite(base, adapterDir, out);

        assertThat(out.resolve(HfWeights.SINGLE_FILE)).isRegularFile();
        assertThat(out.resolve("config.json")).isRegularFile();
        assertThat(out.resolve("tokenizer.json")).hasSameBinaryContentAs(base.resolve("tokenizer.json"));
        assertThat(out).isDirectoryNotContaining("glob:**/adapter_*");
        JsonNode reference = LlamaReferenceTest.runReference(out, PADDED, PADDED_MASK, List.of(), null);
        LlamaReferenceTest.assertClose(variant + " merged export", expected, reference.get("logits"), PADDED_MASK);
    }

    @Test
    void refusesANonEmptyOutputDirectory() throws IOException {
        TinyLlamaModels.Variant variant = TinyLlamaModels.variants().get(0);
        Path base = tmp.resolve("refuse");
        TinyLlamaModels.write(variant, base, 3);
        Path out = Files.createDirectories(tmp.resolve("refuse-out"));
        Files.writeString(out.resolve("keep.txt"), "x");
        assertThatThrownBy(() -> LlamaExport.mergeAndWrite(base, tmp.resolve("no-adapter"), out))
                .isInstanceOf(IOException.class);
        assertThat(Files.readString(out.resolve("keep.txt"))).isEqualTo("x");
    }

    private static float[] logits(NDManager manager, LlamaModel model) {
        NDArray tokens = manager.create(LlamaReferenceTest.flatten(PADDED), new Shape(2, 8));
        NDArray mask = manager.create(LlamaReferenceTest.flatten(PADDED_MASK), new Shape(2, 8));
        return model.logits(tokens, mask).toFloatArray();
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    /** Random A and B as after training (PEFT initialises B to zero, which would make the merge a no-op). */
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

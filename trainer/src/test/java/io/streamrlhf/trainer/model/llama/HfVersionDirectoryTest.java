package io.streamrlhf.trainer.model.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import io.streamrlhf.trainer.checkpoint.Checkpoint;
import io.streamrlhf.trainer.checkpoint.CheckpointNames;
import io.streamrlhf.trainer.checkpoint.CheckpointStore;
import io.streamrlhf.trainer.checkpoint.CorruptCheckpointException;
import io.streamrlhf.trainer.checkpoint.HfLayout;
import io.streamrlhf.trainer.checkpoint.LocalCheckpointStore;
import io.streamrlhf.trainer.checkpoint.UntrustedCheckpointException;
import io.streamrlhf.trainer.config.ModelConfig;
import io.streamrlhf.trainer.config.OptimizerConfig;
import io.streamrlhf.trainer.model.GradMode;
import io.streamrlhf.trainer.optim.OptimizerState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Hugging Face model's version in the checkpoint store: a directory in PEFT's layout (or the weights as
 * {@code model.safetensors}) plus the trainer's state, which reads back exactly, is verified by the digest of all
 * its files, and which the independent PyTorch implementation loads as a PEFT adapter, directly and through
 * {@code LlamaExport}, with the DJL model's logits.
 */
@Tag("hf-models")
class HfVersionDirectoryTest {

    private static final long[][] PADDED = {{1, 17, 42, 5, 60, 33, 8, 2}, {0, 0, 1, 17, 42, 5, 60, 33}};
    private static final long[][] PADDED_MASK = {{1, 1, 1, 1, 1, 1, 1, 1}, {0, 0, 1, 1, 1, 1, 1, 1}};
    private static final LoraConfig LORA = new LoraConfig(
            4, 16, 0.0, Set.of(LoraConfig.Target.of("q_proj"), LoraConfig.Target.of("down_proj")), false);

    @TempDir
    static Path tmp;

    @BeforeAll
    static void needsTorch() throws Exception {
        LlamaReferenceTest.needsTorch();
    }

    @Test
    void anAdapterVersionIsAPeftAdapterThatThePyTorchReferenceMergesToTheSameLogits() throws Exception {
        TinyLlamaModels.Variant variant = TinyLlamaModels.variants().stream()
                .filter(v -> v.name().startsWith("qwen2"))
                .findFirst()
                .orElseThrow();
        Path base = tmp.resolve("base");
        TinyLlamaModels.write(variant, base, 5);
        LocalCheckpointStore store = new LocalCheckpointStore(tmp.resolve("store"));
        Checkpoint written;
        float[] expected;
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(base, manager);
                GradMode.Scope off = GradMode.off()) {
            LoraAdapters adapters = LoraAdapters.create(model, LORA, 7);
            LlamaExportTest.randomize(adapters, 11);
            model.attach(adapters);
            expected = logits(manager, model);
            written = checkpoint(adapters.parameters(), Optional.of(LORA), base.toString());
        }

        CheckpointStore.Stored stored = store.write(CheckpointNames.name("m", 3), written);
        Path dir = Path.of(stored.uri());

        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .containsExactlyInAnyOrder(
                            "adapter_config.json", "adapter_model.safetensors", "trainer_state.safetensors");
        }
        assertThat(CheckpointNames.isOf("m", 3, stored.uri())).isTrue();
        assertSame(written, store.read(stored.uri(), stored.sha256()));
        JsonNode config =
                TinyLlamaModels.JSON.readTree(dir.resolve("adapter_config.json").toFile());
        assertThat(config.get("peft_type").asText()).isEqualTo("LORA");
        assertThat(config.get("base_model_name_or_path").asText()).isEqualTo(base.toString());
        // PEFT's merge on the Python side, of the version directory as it is.
        JsonNode direct = LlamaReferenceTest.runReference(base, PADDED, PADDED_MASK, List.of(), dir);
        LlamaReferenceTest.assertClose("version as adapter", expected, direct.get("logits"), PADDED_MASK);
        // The merged export of the version, loaded with no adapter.
        Path out = tmp.resolve("merged");
        LlamaExport.mergeAndWrite(base, dir, out);
        JsonNode merged = LlamaReferenceTest.runReference(out, PADDED, PADDED_MASK, List.of(), null);
        LlamaReferenceTest.assertClose("merged version", expected, merged.get("logits"), PADDED_MASK);
        // The export of the verified version read from the store (what `streamrlhf export --version` writes).
        Path exported = tmp.resolve("exported");
        LlamaExport.writeVersion(store.read(stored.uri(), stored.sha256()), base, exported);
        JsonNode fromVersion = LlamaReferenceTest.runReference(exported, PADDED, PADDED_MASK, List.of(), null);
        LlamaReferenceTest.assertClose("exported version", expected, fromVersion.get("logits"), PADDED_MASK);
    }

    @Test
    void aFullFineTuningVersionHoldsTheWeightsAsModelSafetensors() throws Exception {
        Path base = tmp.resolve("full-base");
        TinyLlamaModels.write(TinyLlamaModels.variants().get(0), base, 13);
        LocalCheckpointStore store = new LocalCheckpointStore(tmp.resolve("full-store"));
        Checkpoint written;
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(base, manager)) {
            written = checkpoint(model.parameters(), Optional.empty(), base.toString());
        }
        CheckpointStore.Stored stored = store.write(CheckpointNames.name("m", 1), written);
        Path dir = Path.of(stored.uri());
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .containsExactlyInAnyOrder("model.safetensors", "trainer_state.safetensors");
        }
        assertSame(written, store.read(stored.uri(), stored.sha256()));
    }

    @Test
    void aChangedFileOrAnExtraFileIsRefusedAndAnUnreferencedVersionIsDeleted() throws Exception {
        Path base = tmp.resolve("tamper-base");
        TinyLlamaModels.write(TinyLlamaModels.variants().get(0), base, 17);
        LocalCheckpointStore store = new LocalCheckpointStore(tmp.resolve("tamper-store"));
        Checkpoint written;
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(base, manager);
                LoraAdapters adapters = LoraAdapters.create(model, LORA, 19)) {
            written = checkpoint(adapters.parameters(), Optional.of(LORA), base.toString());
        }
        CheckpointStore.Stored stored = store.write(CheckpointNames.name("m", 2), written);
        Path dir = Path.of(stored.uri());
        Path state = dir.resolve("trainer_state.safetensors");
        byte[] bytes = Files.readAllBytes(state);
        bytes[bytes.length - 1] ^= 1;
        Files.write(state, bytes);
        assertThatThrownBy(() -> store.read(stored.uri(), stored.sha256()))
                .isInstanceOf(CorruptCheckpointException.class)
                .hasMessageContaining("sha256");
        bytes[bytes.length - 1] ^= 1;
        Files.write(state, bytes);
        assertSame(written, store.read(stored.uri(), stored.sha256()));

        Files.writeString(dir.resolve("notes.txt"), "x");
        assertThatThrownBy(() -> store.checkLocation(stored.uri())).isInstanceOf(UntrustedCheckpointException.class);
        Files.delete(dir.resolve("notes.txt"));

        assertThat(store.list("m")).containsExactly(stored.uri());
        assertThat(store.deleteUnreferenced("m", Set.of())).containsExactly(stored.uri());
        assertThat(dir).doesNotExist();
    }

    /** A checkpoint of {@code parameters} with random AdamW moments. */
    private static Checkpoint checkpoint(Map<String, NDArray> parameters, Optional<LoraConfig> lora, String base) {
        Random random = new Random(23);
        Map<String, float[]> weights = new LinkedHashMap<>();
        Map<String, float[]> first = new LinkedHashMap<>();
        Map<String, float[]> second = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        parameters.forEach((name, array) -> {
            weights.put(name, array.toFloatArray());
            shapes.put(name, array.getShape().getShape());
            float[] m = new float[weights.get(name).length];
            float[] v = new float[m.length];
            for (int i = 0; i < m.length; i++) {
                m[i] = (float) random.nextGaussian();
                v[i] = (float) Math.abs(random.nextGaussian());
            }
            first.put(name, m);
            second.put(name, v);
        });
        return new Checkpoint(
                "m",
                3,
                2,
                ModelConfig.tiny(),
                new OptimizerConfig(2e-4, 0.9, 0.95, 1e-8, 0.01, 1.0, 5),
                weights,
                new OptimizerState(41, first, second),
                Optional.of(new HfLayout(lora, base, shapes)));
    }

    private static void assertSame(Checkpoint expected, Checkpoint actual) throws IOException {
        assertThat(actual.modelId()).isEqualTo(expected.modelId());
        assertThat(actual.version()).isEqualTo(expected.version());
        assertThat(actual.parentVersion()).isEqualTo(expected.parentVersion());
        assertThat(actual.model()).isEqualTo(expected.model());
        assertThat(actual.optimizer()).isEqualTo(expected.optimizer());
        assertThat(actual.optimizerState().step())
                .isEqualTo(expected.optimizerState().step());
        assertThat(actual.weights().keySet())
                .containsExactlyElementsOf(expected.weights().keySet());
        for (String name : expected.weights().keySet()) {
            assertThat(actual.weights().get(name))
                    .as(name)
                    .containsExactly(expected.weights().get(name));
            assertThat(actual.optimizerState().firstMoments().get(name))
                    .containsExactly(expected.optimizerState().firstMoments().get(name));
            assertThat(actual.optimizerState().secondMoments().get(name))
                    .containsExactly(expected.optimizerState().secondMoments().get(name));
            assertThat(actual.hf().orElseThrow().shapes().get(name))
                    .containsExactly(expected.hf().orElseThrow().shapes().get(name));
        }
        assertThat(actual.hf().orElseThrow().lora())
                .isEqualTo(expected.hf().orElseThrow().lora());
        assertThat(actual.hf().orElseThrow().baseModel())
                .isEqualTo(expected.hf().orElseThrow().baseModel());
    }

    private static float[] logits(NDManager manager, LlamaModel model) {
        NDArray tokens = manager.create(LlamaReferenceTest.flatten(PADDED), new Shape(2, 8));
        NDArray mask = manager.create(LlamaReferenceTest.flatten(PADDED_MASK), new Shape(2, 8));
        return model.logits(tokens, mask).toFloatArray();
    }
}

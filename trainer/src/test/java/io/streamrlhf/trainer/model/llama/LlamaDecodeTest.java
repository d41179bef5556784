package io.streamrlhf.trainer.model.llama;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.streamrlhf.trainer.model.GradMode;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Cached decoding gives the logits of the full forward pass (which {@link LlamaReferenceTest} checks against
 * PyTorch): a left-padded batch prefilled with its first five positions, then decoded one token at a time.
 */
@Tag("hf-models")
class LlamaDecodeTest {

    private static final long[][] PADDED = {{1, 17, 42, 5, 60, 33, 8, 2}, {0, 0, 1, 17, 42, 5, 60, 33}};
    private static final long[][] PADDED_MASK = {{1, 1, 1, 1, 1, 1, 1, 1}, {0, 0, 1, 1, 1, 1, 1, 1}};

    @TempDir
    static Path tmp;

    static Stream<TinyLlamaModels.Variant> variants() {
        return TinyLlamaModels.variants().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void prefillThenOneTokenStepsGiveTheFullForwardsLogits(TinyLlamaModels.Variant variant) throws Exception {
        Path dir = tmp.resolve(variant.name());
        TinyLlamaModels.write(variant, dir, 73);
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(dir, manager);
                GradMode.Scope off = GradMode.off()) {
            NDArray tokens = manager.create(LlamaReferenceTest.flatten(PADDED), new Shape(2, 8));
            NDArray mask = manager.create(LlamaReferenceTest.flatten(PADDED_MASK), new Shape(2, 8));
            float[] full = model.logits(tokens, mask).toFloatArray();
            int vocab = model.config().vocabSize();
            LlamaKvCache cache = new LlamaKvCache(model, manager);
            float[] prefill = model.decode(tokens.get(":, 0:5"), mask.get(":, 0:5"), cache)
                    .toFloatArray();
            assertThat(cache.length()).isEqualTo(5);
            float[][] steps = new float[8][];
            for (int t = 5; t < 8; t++) {
                steps[t] = model.decode(
                                tokens.get(new NDIndex(":, {}:{}", t, t + 1)),
                                mask.get(new NDIndex(":, 0:{}", t + 1)),
                                cache)
                        .toFloatArray();
            }
            assertThat(cache.length()).isEqualTo(8);
            for (int b = 0; b < 2; b++) {
                for (int t = 0; t < 8; t++) {
                    if (PADDED_MASK[b][t] == 0) {
                        continue;
                    }
                    for (int v = 0; v < vocab; v++) {
                        float expected = full[(b * 8 + t) * vocab + v];
                        float actual = t < 5 ? prefill[(b * 5 + t) * vocab + v] : steps[t][b * vocab + v];
                        assertThat((double) Math.abs(actual - expected))
                                .as("%s row %d position %d token %d", variant, b, t, v)
                                .isLessThanOrEqualTo(1e-5);
                    }
                }
            }
        }
    }
}

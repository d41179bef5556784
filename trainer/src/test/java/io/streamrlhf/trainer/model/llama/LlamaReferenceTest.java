package io.streamrlhf.trainer.model.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamrlhf.trainer.model.GradMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link LlamaModel} against an independent PyTorch implementation of the same architecture
 * ({@code src/test/python/llama_reference.py}, written from the definitions, with its own safetensors reader):
 * tiny random models of every variant, written here, must give the same fp32 logits within 1e-4, for full rows and
 * for a left-padded batch, and the same gradients.
 *
 * <p>Needs Debian's {@code /usr/bin/python3} with {@code python3-torch} ({@code .ci/run} installs it); skips with a
 * message naming what is missing otherwise.
 */
@Tag("hf-models")
class LlamaReferenceTest {

    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final Path SCRIPT = Path.of("src/test/python/llama_reference.py");
    private static final double LOGIT_TOLERANCE = 1e-4;
    private static final long[][] TOKENS = {{1, 17, 42, 5, 60, 33, 8, 2}, {1, 9, 9, 27, 51, 0, 44, 13}};
    // The second row is the first row's first six tokens, left-padded by two.
    private static final long[][] PADDED = {{1, 17, 42, 5, 60, 33, 8, 2}, {0, 0, 1, 17, 42, 5, 60, 33}};
    private static final long[][] PADDED_MASK = {{1, 1, 1, 1, 1, 1, 1, 1}, {0, 0, 1, 1, 1, 1, 1, 1}};

    @TempDir
    static Path tmp;

    @BeforeAll
    static void needsTorch() throws Exception {
        Assumptions.assumeTrue(
                Files.isExecutable(PYTHON),
                PYTHON + " not found: this test needs Debian's python3 with python3-torch (.ci/run installs it)");
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import torch").start();
        boolean done = p.waitFor(120, TimeUnit.SECONDS);
        Assumptions.assumeTrue(
                done && p.exitValue() == 0,
                "python3-torch is not installed for " + PYTHON + ": apt-get install python3-torch (.ci/run does)");
    }

    static Stream<TinyLlamaModels.Variant> variants() {
        return TinyLlamaModels.variants().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void logitsMatchTheIndependentPyTorchImplementation(TinyLlamaModels.Variant variant) throws Exception {
        Path dir = tmp.resolve(variant.name());
        TinyLlamaModels.write(variant, dir, 7);
        JsonNode reference = runReference(dir, TOKENS, null, List.of(), null);
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(dir, manager);
                GradMode.Scope off = GradMode.off()) {
            float[] logits = model.logits(manager.create(flatten(TOKENS), new Shape(2, 8)))
                    .toFloatArray();
            assertClose(variant + " logits", logits, reference.get("logits"), null);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void leftPaddedRowsMatchTheReferenceAtTheirTokens(TinyLlamaModels.Variant variant) throws Exception {
        Path dir = tmp.resolve(variant.name() + "-padded");
        TinyLlamaModels.write(variant, dir, 11);
        JsonNode reference = runReference(dir, PADDED, PADDED_MASK, List.of(), null);
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(dir, manager);
                GradMode.Scope off = GradMode.off()) {
            NDArray tokens = manager.create(flatten(PADDED), new Shape(2, 8));
            NDArray mask = manager.create(flatten(PADDED_MASK), new Shape(2, 8));
            float[] padded = model.logits(tokens, mask).toFloatArray();
            assertClose(variant + " left-padded logits", padded, reference.get("logits"), PADDED_MASK);
            // The padded row's tokens get the logits of the same tokens unpadded (row 0's first six).
            int vocab = model.config().vocabSize();
            for (int t = 0; t < 6; t++) {
                for (int v = 0; v < vocab; v++) {
                    float unpadded = padded[t * vocab + v];
                    float shifted = padded[(8 + t + 2) * vocab + v];
                    assertThat((double) Math.abs(unpadded - shifted))
                            .as("%s position %d token %d", variant, t, v)
                            .isLessThanOrEqualTo(LOGIT_TOLERANCE);
                }
            }
        }
    }

    @Test
    void gradientsOfTheNextTokenLogLikelihoodMatchTheReference() throws Exception {
        TinyLlamaModels.Variant variant = TinyLlamaModels.variants().stream()
                .filter(v -> v.name().startsWith("qwen3"))
                .findFirst()
                .orElseThrow();
        Path dir = tmp.resolve("grad");
        TinyLlamaModels.write(variant, dir, 13);
        List<String> names = List.of(
                "model.embed_tokens.weight",
                "model.layers.0.self_attn.q_proj.weight",
                "model.layers.0.self_attn.k_norm.weight",
                "model.layers.1.mlp.down_proj.weight",
                "model.norm.weight");
        JsonNode reference = runReference(dir, PADDED, PADDED_MASK, names, null);
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(dir, manager)) {
            model.setTrainable(true);
            NDArray tokens = manager.create(flatten(PADDED), new Shape(2, 8));
            NDArray mask = manager.create(flatten(PADDED_MASK), new Shape(2, 8));
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(nextTokenLogLikelihood(model.logits(tokens, mask, true), tokens, mask));
            }
            for (String name : names) {
                assertGradientClose(
                        name,
                        model.parameters().get(name).getGradient().toFloatArray(),
                        reference.get("grads").get(name));
            }
        }
    }

    /** The summed log-likelihood of each next token where it and its predecessor are real (what the script sums). */
    static NDArray nextTokenLogLikelihood(NDArray logits, NDArray tokens, NDArray mask) {
        NDArray m = mask.toType(DataType.FLOAT32, false);
        NDArray logp = logits.get(":, :-1, :")
                .logSoftmax(-1)
                .gather(tokens.get(":, 1:").expandDims(-1), -1)
                .squeeze(-1);
        return logp.mul(m.get(":, 1:").mul(m.get(":, :-1"))).sum();
    }

    static void assertGradientClose(String name, float[] grad, JsonNode expected) {
        assertThat(grad).as(name).hasSize(expected.size());
        double maxRef = 0;
        for (JsonNode e : expected) {
            maxRef = Math.max(maxRef, Math.abs(e.asDouble()));
        }
        assertThat(maxRef).as("%s has a non-zero gradient", name).isGreaterThan(0);
        for (int i = 0; i < grad.length; i++) {
            double e = expected.get(i).asDouble();
            assertThat((double) Math.abs(grad[i] - e))
                    .as("gradient of %s[%d]: DJL %s, PyTorch %s", name, i, grad[i], e)
                    .isLessThanOrEqualTo(LOGIT_TOLERANCE * (1 + Math.abs(e)));
        }
    }

    /** {@code actual} is (B, T, V) flattened; positions whose mask is 0 are skipped. */
    static void assertClose(String what, float[] actual, JsonNode expected, long[][] mask) {
        int rows = expected.size();
        int time = expected.get(0).size();
        int vocab = expected.get(0).get(0).size();
        assertThat(actual).as(what + " size").hasSize(rows * time * vocab);
        double worst = 0;
        for (int b = 0; b < rows; b++) {
            for (int t = 0; t < time; t++) {
                if (mask != null && mask[b][t] == 0) {
                    continue;
                }
                for (int v = 0; v < vocab; v++) {
                    double e = expected.get(b).get(t).get(v).asDouble();
                    double diff = Math.abs(actual[(b * time + t) * vocab + v] - e);
                    worst = Math.max(worst, diff);
                    assertThat(diff)
                            .as(
                                    "%s at row %d position %d token %d: DJL %s, PyTorch %s",
                                    what, b, t, v, actual[(b * time + t) * vocab + v], e)
                            .isLessThanOrEqualTo(LOGIT_TOLERANCE);
                }
            }
        }
        // The logits must be far from trivial for the comparison to mean anything.
        double spread = 0;
        for (JsonNode row : expected.get(0)) {
            for (JsonNode v : row) {
                spread = Math.max(spread, Math.abs(v.asDouble()));
            }
        }
        assertThat(spread).as(what + ": reference logits are not all near zero").isGreaterThan(0.5);
        assertThat(worst).isLessThanOrEqualTo(LOGIT_TOLERANCE);
    }

    /** Runs the script on {@code dir} (with the PEFT adapter in {@code adapter} merged, unless null). */
    static JsonNode runReference(Path dir, long[][] tokens, long[][] mask, List<String> gradOf, Path adapter)
            throws IOException, InterruptedException {
        return runReference(dir, tokens, mask, gradOf, adapter, null);
    }

    /** {@link #runReference(Path, long[][], long[][], List, Path)} with a DPO objective unless {@code dpo} is null. */
    static JsonNode runReference(
            Path dir, long[][] tokens, long[][] mask, List<String> gradOf, Path adapter, ObjectNode dpo)
            throws IOException, InterruptedException {
        ObjectNode request = TinyLlamaModels.JSON.createObjectNode();
        request.set("tokens", TinyLlamaModels.JSON.valueToTree(tokens));
        request.set("mask", mask == null ? null : TinyLlamaModels.JSON.valueToTree(mask));
        request.set("grad_of", TinyLlamaModels.JSON.valueToTree(gradOf));
        if (adapter != null) {
            request.put("adapter", adapter.toString());
        }
        if (dpo != null) {
            request.set("dpo", dpo);
        }
        Path requestFile = dir.resolve("request.json");
        TinyLlamaModels.JSON.writeValue(requestFile.toFile(), request);
        Path out = dir.resolve("reference.out");
        Path err = dir.resolve("reference.err");
        ProcessBuilder builder = new ProcessBuilder(
                        PYTHON.toString(), SCRIPT.toAbsolutePath().toString(), dir.toString(), requestFile.toString())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        // A pyenv or virtualenv on PATH must not leak its module path into Debian's interpreter.
        builder.environment().remove("PYTHONPATH");
        builder.environment().remove("PYTHONHOME");
        builder.environment().put("OMP_NUM_THREADS", "1");
        Process process = builder.start();
        if (!process.waitFor(300, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("llama_reference.py did not finish within 300 s; stderr: " + Files.readString(err));
        }
        if (process.exitValue() != 0) {
            fail("llama_reference.py exited " + process.exitValue() + ": "
                    + Files.readString(err, StandardCharsets.UTF_8));
        }
        String stdout = Files.readString(out, StandardCharsets.UTF_8).strip();
        return TinyLlamaModels.JSON.readTree(stdout.lines().reduce((a, b) -> b).orElse("{}"));
    }

    static long[] flatten(long[][] rows) {
        return Stream.of(rows).flatMapToLong(java.util.Arrays::stream).toArray();
    }
}

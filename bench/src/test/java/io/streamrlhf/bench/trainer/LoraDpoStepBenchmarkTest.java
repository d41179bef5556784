package io.streamrlhf.bench.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoraDpoStepBenchmarkTest {

    private static final String PYTHON = "/usr/bin/python3";
    private static final String SCRIPT = "scripts/lora_dpo_step_torch.py";

    /** {@code (m, k) @ (k, n)}. */
    private static long mm(long m, long k, long n) {
        return 2 * m * k * n;
    }

    @Test
    void flopCountEqualsAHandCountOfTheStepsMatrixProducts() {
        // tiny: d 32, MLP 48, 2 layers, 4 heads of 8 over 2 key/value heads, vocabulary 260 (the byte tokenizer's,
        // tied), rank 4;
        // 2 pairs -> 4 rows of 16 tokens, so N = 64 token rows in every projection.
        LoraStepFlops flops = LoraBenchModel.tiny(2, 16, 8).flops();
        long n = 64;
        // Base products of one layer, X (64, in) @ W^T (in, out): q 32->32, k 32->16, v 32->16, o 32->32,
        // gate 32->48, up 32->48, down 48->32.
        long base = mm(n, 32, 32)
                + mm(n, 32, 16)
                + mm(n, 32, 16)
                + mm(n, 32, 32)
                + mm(n, 32, 48)
                + mm(n, 32, 48)
                + mm(n, 48, 32);
        // Attention of one layer: per row and key/value head, the 2 grouped query heads x 16 positions (32, 8)
        // against the keys (8, 16), then the probabilities (32, 16) against the values (16, 8).
        long attention = 4 * 2 * (mm(32, 8, 16) + mm(32, 16, 8));
        // The head runs on the columns from the first scored one on: column t predicts token t + 1, the prompt is
        // tokens 0..7, so columns 7..15 (9 of 16) in each of the 4 rows.
        long head = mm(4 * 9, 32, 260);
        long reference = 2 * (base + attention) + head;
        // LoRA forward of one layer: X (64, in) @ A^T (in, 4), then (64, 4) @ B^T (4, out).
        long lora = 0;
        long[][] inOut = {{32, 32}, {32, 16}, {32, 16}, {32, 32}, {32, 48}, {32, 48}, {48, 32}};
        for (long[] p : inOut) {
            lora += mm(n, p[0], 4) + mm(n, 4, p[1]);
        }
        long policy = reference + 2 * lora;
        // Backward of Y = X W^T: dX = dY (64, out) @ W (out, in); dW = dY^T (out, 64) @ X (64, in).
        long backward = 0;
        for (int layer = 0; layer < 2; layer++) {
            for (int p = 0; p < inOut.length; p++) {
                long in = inOut[p][0];
                long out = inOut[p][1];
                boolean readsEmbedding = layer == 0 && p < 3; // nothing trainable before layer 0's q, k, v
                backward += mm(out, n, 4) + mm(n, out, 4); // dB and d(XA^T)
                backward += mm(4, n, in); // dA
                if (!readsEmbedding) {
                    backward += mm(n, out, in) + mm(n, 4, in); // dX through W and through A
                }
            }
            // Scores S = Q K^T: dQ = dS K, dK = dS^T Q; output O = P V: dP = dO V^T, dV = P^T dO.
            backward += 4 * 2 * (mm(32, 16, 8) + mm(16, 32, 8) + mm(32, 8, 16) + mm(16, 32, 8));
        }
        backward += mm(4 * 9, 260, 32); // the frozen head: input gradient only
        assertThat(flops.referenceForward()).isEqualTo(reference);
        assertThat(flops.policyForward()).isEqualTo(policy);
        assertThat(flops.policyBackward()).isEqualTo(backward);
        assertThat(flops.total()).isEqualTo(reference + policy + backward);
        assertThat(flops.formula()).contains(String.format(java.util.Locale.ROOT, "%.3f GFLOP", flops.total() / 1e9));
    }

    @Test
    void aBaselineWhoseProductsRunAtUnderHalfOfDjlsRateIsFlaggedWithOpenBlassCore() throws Exception {
        ObjectMapper json = new ObjectMapper();
        BiFunction<String, String, LoraDpoStepBenchmark.EngineRun> run = (engine, result) -> {
            try {
                return new LoraDpoStepBenchmark.EngineRun(engine, json.readTree(result));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        Map<String, List<LoraDpoStepBenchmark.EngineRun>> slow = Map.of(
                "DJL",
                List.of(run.apply("DJL", "{\"matmul_gflops\": 208}")),
                "PyTorch",
                List.of(run.apply("PyTorch", "{\"matmul_gflops\": 30.4, \"openblas_core\": \"Prescott\"}")));
        assertThat(LoraDpoStepBenchmark.blasNote(slow))
                .contains("(30 GFLOP/s) is under half of DJL's (208)")
                .contains("its 'Prescott' kernels");
        Map<String, List<LoraDpoStepBenchmark.EngineRun>> level = Map.of(
                "DJL",
                List.of(run.apply("DJL", "{\"matmul_gflops\": 213}")),
                "PyTorch",
                List.of(run.apply("PyTorch", "{\"matmul_gflops\": 192, \"openblas_core\": \"Cooperlake\"}")));
        assertThat(LoraDpoStepBenchmark.blasNote(level)).isNull();
    }

    @Test
    void djlAndPyTorchStepLossesAndGreedyTokensAgreeOnTheSameWeightsAndBatch(@TempDir Path dir) throws Exception {
        assumeTrue(torchAvailable(), "Debian's python3-torch is not installed (see .ci/run)");
        LoraDpoStepBenchmark.Options options = LoraDpoStepBenchmark.parse(new String[] {
            "--quick",
            "--threads",
            "1",
            "--pairs",
            "2",
            "--length",
            "16",
            "--prompt",
            "8",
            "--warmup",
            "1",
            "--steps",
            "3",
            "--gen-tokens",
            "6",
            "--matmul-sizes",
            "64",
            "--python",
            PYTHON,
            "--script",
            SCRIPT
        });
        LoraBenchModel model = LoraDpoStepBenchmark.model("tiny", options);
        Path written = model.writeUnder(dir);

        JsonNode djl = LoraDpoStepBenchmark.djlWorker(
                new LoraDpoStepBenchmark.WorkerArgs(written, 1, 1, 3, 6, new int[] {64}, null));
        JsonNode torch = LoraDpoStepBenchmark.runTorch(written, options, "tiny").result();

        assertThat(djl.get("losses")).hasSize(4);
        assertThat(torch.get("losses")).hasSize(4);
        // The adapters' B is not zero, so the policy differs from the reference from the first step on.
        assertThat(Math.abs(djl.get("losses").get(0).asDouble() - Math.log(2))).isGreaterThan(1e-3);
        for (int i = 0; i < 4; i++) {
            assertThat(djl.get("losses").get(i).asDouble())
                    .as("loss of step %d", i + 1)
                    .isCloseTo(torch.get("losses").get(i).asDouble(), within(1e-4));
        }
        assertThat(djl.get("generated").toString())
                .isEqualTo(torch.get("generated").toString());
        assertThat(torch.get("threads").asInt()).isEqualTo(1);
        assertThat(torch.get("vm_hwm_kib").asLong()).isPositive();
        assertThat(djl.get("vm_hwm_kib").asLong()).isPositive();
    }

    private static boolean torchAvailable() throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of(PYTHON))) {
            return false;
        }
        Process p = new ProcessBuilder(PYTHON, "-c", "import torch").start();
        return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    }
}

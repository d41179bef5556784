package io.streamrlhf.bench.trainer;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.streamrlhf.trainer.batch.TokenBatch;
import io.streamrlhf.trainer.config.ModelConfig;
import io.streamrlhf.trainer.config.OptimizerConfig;
import io.streamrlhf.trainer.cpu.MklDispatch;
import io.streamrlhf.trainer.loss.LossConfig;
import io.streamrlhf.trainer.loss.LossType;
import io.streamrlhf.trainer.loss.PairedLogps;
import io.streamrlhf.trainer.loss.PreferenceLosses;
import io.streamrlhf.trainer.model.CompletionLogps;
import io.streamrlhf.trainer.model.PolicyModel;
import io.streamrlhf.trainer.optim.AdamW;
import io.streamrlhf.trainer.tokenizer.ByteTokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Throughput of one DPO training step (forward of chosen and rejected, DPO sigmoid loss against
 * fixed reference log-probs, backward, global-norm clipping, AdamW) at the default size and at
 * 6 layers × 256 wide; model-FLOPs utilisation against the best fp32 matmul rate measured by DJL in
 * the same run and against the best rate any engine reached in it; and the same model, batch and loss in PyTorch eager ({@code dpo_step_torch.py}) for
 * the ratio DJL / PyTorch. Both engines run with the same number of intra-op threads
 * ({@code --threads}, default 1; DJL through {@code ai.djl.pytorch.num_threads}, set before the
 * engine loads). On a shared machine the load changes under the run, so DJL and PyTorch are measured
 * alternately for {@code --rounds} rounds (default 3) and each engine's best round is reported, the
 * matmul rate likewise.
 *
 * <p>Usage: {@code DpoStepBenchmark [--threads 1] [--python /usr/bin/python3]
 * [--script bench/scripts/dpo_step_torch.py] [--pairs 8] [--length 64] [--warmup 3] [--steps 10]
 * [--rounds 3]}.
 * Command-line output only.
 */
public final class DpoStepBenchmark {

    private static final Pattern TOKENS = Pattern.compile("\"tokens_per_s\": ([0-9.eE+-]+)");
    private static final Pattern MATMUL = Pattern.compile("\"best_matmul_gflops\": ([0-9.eE+-]+)");
    private static final Pattern THREADS = Pattern.compile("\"threads\": ([0-9]+)");

    private DpoStepBenchmark() {}

    private record Options(
            String python, String script, int pairs, int length, int warmup, int steps, int threads, int rounds) {}

    private record SizeResult(ModelConfig size, double params, double djlTokensPerSecond, TorchResult torch) {}

    private record TorchResult(double tokensPerSecond, double matmulGflops, int threads) {}

    /** Runs the benchmark and prints the table. */
    public static void main(String[] args) throws Exception {
        Options o = parse(args);
        MklDispatch.Status mkl = MklDispatch.ensureLoaded();
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(o.threads()));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        List<ModelConfig> sizes =
                List.of(ModelConfig.defaults(), ModelConfig.defaults().withSize(6, 256));
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf(
                Locale.ROOT,
                "DJL %s, engine %s, device %s, %d cores, %d intra-op thread(s) in both engines;"
                        + " batch %d pairs x %d tokens, median of %d steps after %d warm-up%n",
                Engine.getDjlVersion(),
                Engine.getInstance().getEngineName() + " "
                        + Engine.getInstance().getVersion(),
                io.streamrlhf.trainer.model.Devices.best(),
                cores,
                o.threads(),
                o.pairs(),
                o.length(),
                o.steps(),
                o.warmup());
        double matmul = 0;
        List<String> rows = new ArrayList<>();
        List<SizeResult> results = new ArrayList<>();
        for (ModelConfig size : sizes) {
            double tokensPerSecond = 0;
            double params = 0;
            TorchResult torch = null;
            for (int round = 1; round <= o.rounds(); round++) {
                matmul = Math.max(matmul, bestMatmulGflops(Device.cpu(), 256, 512, 1024, 2048));
                double[] djl = djlTokensPerSecond(size, o);
                params = djl[1];
                TorchResult t = runTorch(o, size, o.threads());
                System.out.printf(
                        Locale.ROOT,
                        "round %d %dx%d: DJL %.0f tokens/s, PyTorch %s tokens/s%n",
                        round,
                        size.layers(),
                        size.width(),
                        djl[0],
                        t == null ? "n/a" : String.format(Locale.ROOT, "%.0f", t.tokensPerSecond()));
                tokensPerSecond = Math.max(tokensPerSecond, djl[0]);
                if (t != null) {
                    torch = torch == null
                            ? t
                            : new TorchResult(
                                    Math.max(torch.tokensPerSecond(), t.tokensPerSecond()),
                                    Math.max(torch.matmulGflops(), t.matmulGflops()),
                                    t.threads());
                }
            }
            results.add(new SizeResult(size, params, tokensPerSecond, torch));
        }
        // The stricter MFU reading: against the best fp32 matmul rate any engine reached in this run.
        double best = matmul;
        for (SizeResult r : results) {
            if (r.torch() != null) {
                best = Math.max(best, r.torch().matmulGflops());
            }
        }
        for (SizeResult r : results) {
            ModelConfig size = r.size();
            double params = r.params();
            double tokensPerSecond = r.djlTokensPerSecond();
            TorchResult torch = r.torch();
            int tokens = 2 * o.pairs() * o.length();
            double flopsPerToken = 6 * params + 12.0 * size.layers() * o.length() * size.width();
            double mfu = tokensPerSecond * flopsPerToken / (matmul * 1e9);
            String torchCell = torch == null ? "n/a" : String.format(Locale.ROOT, "%.0f", torch.tokensPerSecond());
            String ratio = torch == null
                    ? "n/a"
                    : String.format(Locale.ROOT, "%.2f", tokensPerSecond / torch.tokensPerSecond());
            String torchMfu = torch == null
                    ? "n/a"
                    : String.format(
                            Locale.ROOT,
                            "%.1f%% of %.0f",
                            100 * torch.tokensPerSecond() * flopsPerToken / (torch.matmulGflops() * 1e9),
                            torch.matmulGflops());
            double mfuBest = tokensPerSecond * flopsPerToken / (best * 1e9);
            rows.add(String.format(
                    Locale.ROOT,
                    "| %d x %d | %.2fM | %d | %.0f | %.1f%% | %.1f%% | %s | %s | %s |",
                    size.layers(),
                    size.width(),
                    params / 1e6,
                    tokens,
                    tokensPerSecond,
                    100 * mfu,
                    100 * mfuBest,
                    torchCell,
                    torchMfu,
                    ratio));
        }
        System.out.printf(
                Locale.ROOT,
                "%nbest fp32 matmul via DJL: %.1f GFLOP/s (MKL dispatch shim: %s); best in this"
                        + " run, any engine: %.1f GFLOP/s%n",
                matmul,
                mkl,
                best);
        System.out.println("| model | params | tokens/step | DJL tokens/s | DJL MFU (of DJL's matmul) "
                + "| DJL MFU (of the best matmul) | PyTorch tokens/s "
                + "| PyTorch MFU (of its own matmul GFLOP/s) | DJL/PyTorch |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        rows.forEach(System.out::println);
    }

    /** Median tokens/s of a DPO step and the parameter count. */
    static double[] djlTokensPerSecond(ModelConfig config, Options o) {
        int rows = 2 * o.pairs();
        int t = o.length();
        Random random = new Random(0);
        long[] inputs = new long[rows * t];
        long[] targets = new long[rows * t];
        float[] mask = new float[rows * t];
        for (int i = 0; i < rows * t; i++) {
            inputs[i] = random.nextInt(256);
            targets[i] = random.nextInt(256);
            mask[i] = i % t >= t / 2 ? 1f : 0f;
        }
        TokenBatch batch = new TokenBatch(rows, t, inputs, targets, mask, ByteTokenizer.PAD);
        float[] reference = new float[rows];
        for (int i = 0; i < rows; i++) {
            reference[i] = -150 - 10 * random.nextFloat();
        }
        LossConfig dpo = LossConfig.defaults(LossType.DPO_SIGMOID);
        OptimizerConfig optimizer = new OptimizerConfig(1e-4, 0.9, 0.999, 1e-8, 0.01, 1.0, 0);
        try (PolicyModel model = PolicyModel.create(config);
                AdamW adam = new AdamW(optimizer, model.parameters())) {
            double[] times = new double[o.steps()];
            for (int s = -o.warmup(); s < o.steps(); s++) {
                long start = System.nanoTime();
                try (NDManager scope = model.manager().newSubManager();
                        NDScope ignored = new NDScope();
                        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    CompletionLogps logps = model.completionLogps(scope, batch, true);
                    NDIndex first = new NDIndex("0:" + o.pairs());
                    NDIndex second = new NDIndex(o.pairs() + ":");
                    NDArray ref = scope.create(reference).toDevice(model.device(), false);
                    PairedLogps in = new PairedLogps(
                            logps.sums().get(first),
                            logps.sums().get(second),
                            ref.get(first),
                            ref.get(second),
                            logps.counts().get(first),
                            logps.counts().get(second),
                            scope.ones(new Shape(o.pairs())));
                    collector.backward(PreferenceLosses.paired(dpo, in).loss());
                }
                adam.update(model.parameters());
                if (s >= 0) {
                    times[s] = (System.nanoTime() - start) / 1e9;
                }
            }
            Arrays.sort(times);
            return new double[] {rows * t / times[times.length / 2], model.parameterCount()};
        }
    }

    /**
     * Best fp32 square-matmul rate on {@code device} over the given sizes, in GFLOP/s. Reading one
     * element of the last product waits for the device, so GPU timings include the work.
     */
    static double bestMatmulGflops(Device device, int... sizes) {
        double best = 0;
        try (NDManager manager = NDManager.newBaseManager(device)) {
            for (int n : sizes) {
                try (NDManager scope = manager.newSubManager()) {
                    NDArray a = scope.randomNormal(new Shape(n, n));
                    NDArray b = scope.randomNormal(new Shape(n, n));
                    for (int i = 0; i < 2; i++) {
                        try (NDArray c = a.matMul(b)) {
                            c.getFloat(0, 0);
                        }
                    }
                    int reps = Math.max(3, (int) (2e9 / (2.0 * n * n * n)));
                    long start = System.nanoTime();
                    for (int i = 0; i < reps; i++) {
                        try (NDArray c = a.matMul(b)) {
                            if (i == reps - 1) {
                                c.getFloat(0, 0);
                            }
                        }
                    }
                    double seconds = (System.nanoTime() - start) / 1e9;
                    best = Math.max(best, 2.0 * n * n * n * reps / seconds / 1e9);
                }
            }
        }
        return best;
    }

    private static TorchResult runTorch(Options o, ModelConfig size, int threads)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(
                o.python(),
                o.script(),
                "--layers",
                "" + size.layers(),
                "--width",
                "" + size.width(),
                "--heads",
                "" + size.heads(),
                "--context",
                "" + size.context(),
                "--pairs",
                "" + o.pairs(),
                "--length",
                "" + o.length(),
                "--warmup",
                "" + o.warmup(),
                "--steps",
                "" + o.steps(),
                "--threads",
                "" + threads);
        // The fair baseline: OpenBLAS picks its own kernels and cache sizes.
        pb.environment().remove("OPENBLAS_CORETYPE");
        pb.environment().remove("OPENBLAS_L2_SIZE");
        pb.redirectErrorStream(true);
        Process process = pb.start();
        StringBuilder out = new StringBuilder();
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                out.append(line).append('\n');
            }
        }
        if (process.waitFor() != 0) {
            System.out.println("PyTorch run failed: " + out);
            return null;
        }
        Matcher tokens = TOKENS.matcher(out);
        Matcher matmul = MATMUL.matcher(out);
        Matcher thr = THREADS.matcher(out);
        if (!tokens.find() || !matmul.find() || !thr.find()) {
            System.out.println("Unexpected PyTorch output: " + out);
            return null;
        }
        return new TorchResult(
                Double.parseDouble(tokens.group(1)),
                Double.parseDouble(matmul.group(1)),
                Integer.parseInt(thr.group(1)));
    }

    private static Options parse(String[] args) {
        String python = "/usr/bin/python3";
        String script = "bench/scripts/dpo_step_torch.py";
        int pairs = 8;
        int length = 64;
        int warmup = 3;
        int steps = 10;
        int threads = 1;
        int rounds = 3;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--python" -> python = args[i + 1];
                case "--script" -> script = args[i + 1];
                case "--pairs" -> pairs = Integer.parseInt(args[i + 1]);
                case "--length" -> length = Integer.parseInt(args[i + 1]);
                case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
                case "--steps" -> steps = Integer.parseInt(args[i + 1]);
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        return new Options(python, script, pairs, length, warmup, steps, threads, rounds);
    }
}

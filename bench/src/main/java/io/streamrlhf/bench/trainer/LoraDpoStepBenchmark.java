package io.streamrlhf.bench.trainer;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamrlhf.trainer.batch.PairExample;
import io.streamrlhf.trainer.batch.SourceBatch;
import io.streamrlhf.trainer.config.OptimizerConfig;
import io.streamrlhf.trainer.cpu.MklDispatch;
import io.streamrlhf.trainer.loop.PreferenceTrainer;
import io.streamrlhf.trainer.loss.LossConfig;
import io.streamrlhf.trainer.loss.LossType;
import io.streamrlhf.trainer.model.GradMode;
import io.streamrlhf.trainer.model.PolicyWeights;
import io.streamrlhf.trainer.model.ReferenceModel;
import io.streamrlhf.trainer.model.llama.LlamaKvCache;
import io.streamrlhf.trainer.model.llama.LlamaModel;
import io.streamrlhf.trainer.model.llama.LlamaPolicy;
import io.streamrlhf.trainer.model.llama.LoraAdapters;
import io.streamrlhf.trainer.model.llama.LoraConfig;
import io.streamrlhf.trainer.optim.AdamW;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Throughput of one LoRA DPO step, DJL against PyTorch eager, side by side in one run: the policy (the base with
 * LoRA adapters of rank 16 on all seven projections) forward and backward on the chosen and rejected rows, the
 * reference (the same base, adapters off) forward without a graph, TRL's sigmoid DPO loss, global-norm clipping and
 * AdamW on the adapters. DJL runs the online trainer's own step ({@link LlamaPolicy} and {@link PreferenceTrainer},
 * the reference through its {@link ReferenceModel}, on the pairs as text); PyTorch runs {@code bench/scripts/lora_dpo_step_torch.py}
 * (what a careful user writes: {@code zero_grad(set_to_none=True)}, the reference under
 * {@code torch.inference_mode()}). Both read the same random weights, adapter and batch, written once by
 * {@link LoraBenchModel}, on a ~30 M-parameter Llama and on a Qwen2.5-0.5B-shaped model.
 *
 * <p>Each engine runs in a child process of its own (DJL in a child JVM), with the same thread count for the
 * engine and for every BLAS ({@code OMP_NUM_THREADS}, {@code MKL_NUM_THREADS}, {@code OPENBLAS_NUM_THREADS}), so
 * their peak resident memory ({@code VmHWM}) compares. Rounds alternate the engines' order. Per engine: step
 * times (min/median/max), step losses (the two must agree), greedy generation with the key-value cache, and the
 * best fp32 matmul rate, against which model-FLOPs utilisation is computed from {@link LoraStepFlops}.
 *
 * <p>Usage: {@code LoraDpoStepBenchmark [--quick] [--threads N] [--configs llama-30m,qwen2.5-0.5b-shape]
 * [--rounds 3] [--warmup 8] [--steps 10] [--pairs 2] [--length 64] [--prompt 32] [--gen-tokens 32]
 * [--python /usr/bin/python3] [--script bench/scripts/lora_dpo_step_torch.py] [--models bench/target/lora-models]
 * [--profile DIR] [--torch-threads blas|intra|both]}; with {@code --profile}, each engine also profiles one extra step with libtorch's profiler into
 * {@code DIR} ({@code bench/scripts/profile_ops.py} sums the DJL side's trace by op).
 * Command-line output only.
 */
public final class LoraDpoStepBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RESULT = "RESULT ";
    private static final double LEARNING_RATE = 1e-4;
    /** How PyTorch splits its thread budget by default (see {@link #torchThreadSplit}). */
    static final String DEFAULT_TORCH_THREADS = "blas";
    /** {@code qwen2.5-0.5b-shape-4l}: the Qwen-shaped model with 4 layers (any count) and the full vocabulary. */
    private static final java.util.regex.Pattern LAYERS =
            java.util.regex.Pattern.compile("qwen2\\.5-0\\.5b-shape-(\\d+)l");

    private LoraDpoStepBenchmark() {}

    /** The run's settings. */
    record Options(
            boolean quick,
            int threads,
            List<String> configs,
            int rounds,
            int warmup,
            int steps,
            int pairs,
            int length,
            int prompt,
            int genTokens,
            String python,
            String script,
            Path models,
            String matmulSizes,
            Path profile,
            String torchThreads) {}

    /** One engine's run in one round, as its child printed it. */
    record EngineRun(String engine, JsonNode result) {

        double[] stepSeconds() {
            return doubles(result.get("step_seconds"));
        }

        double[] losses() {
            return doubles(result.get("losses"));
        }

        double matmul() {
            return result.get("matmul_gflops").asDouble();
        }

        long peakKib() {
            return result.get("vm_hwm_kib").asLong();
        }

        double genTokensPerSecond() {
            return result.get("gen_tokens_per_s").asDouble();
        }
    }

    /** Runs the benchmark (or, with {@code --worker}, the DJL side in this process) and prints the results. */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--worker")) {
            System.out.println(RESULT + JSON.writeValueAsString(djlWorker(workerArgs(args))));
            return;
        }
        Options o = parse(args);
        String load = Files.readString(Path.of("/proc/loadavg")).trim();
        System.out.printf(
                Locale.ROOT,
                "%s load average %s; %d cores; %d thread(s) for each engine: DJL %d intra-op (MKL inside them),"
                        + " PyTorch --torch-threads %s = %d intra-op + %d OpenBLAS; %d round(s) of %d steps"
                        + " after %d warm-up%s%n",
                Instant.now().truncatedTo(ChronoUnit.SECONDS),
                load,
                Runtime.getRuntime().availableProcessors(),
                o.threads(),
                o.threads(),
                o.torchThreads(),
                torchThreadSplit(o.torchThreads(), o.threads())[0],
                torchThreadSplit(o.torchThreads(), o.threads())[1],
                o.rounds(),
                o.steps(),
                o.warmup(),
                o.quick() ? " (--quick: a smoke run, not a measurement)" : "");
        List<String> table = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (String name : o.configs()) {
            LoraBenchModel model = model(name, o);
            Path dir = model.writeUnder(o.models());
            LoraStepFlops flops = model.flops();
            System.out.printf(
                    Locale.ROOT,
                    "%n== %s: %s, %d pairs x %d tokens (prompt %d) = %d policy tokens a step; LoRA r=%d on q,k,v,o,"
                            + "gate,up,down%n%s%n",
                    model.name(),
                    model.config(),
                    o.pairs(),
                    o.length(),
                    o.prompt(),
                    model.rows() * o.length(),
                    model.rank(),
                    flops.formula());
            Map<String, List<EngineRun>> runs = new LinkedHashMap<>();
            runs.put("DJL", new ArrayList<>());
            runs.put("PyTorch", new ArrayList<>());
            for (int round = 1; round <= o.rounds(); round++) {
                List<String> order = round % 2 == 1 ? List.of("DJL", "PyTorch") : List.of("PyTorch", "DJL");
                for (String engine : order) {
                    EngineRun run =
                            engine.equals("DJL") ? runDjl(dir, o, model.name()) : runTorch(dir, o, model.name());
                    runs.get(engine).add(run);
                    double[] s = run.stepSeconds().clone();
                    Arrays.sort(s);
                    double tokens = model.rows() * o.length();
                    System.out.printf(
                            Locale.ROOT,
                            "round %d %-7s step %.3f/%.3f/%.3f s (min/median/max) = %.0f/%.0f/%.0f tokens/s"
                                    + " (max/median/min); median CPU %.3f s a step (%s); sections ms %s;"
                                    + " losses %s%n",
                            round,
                            engine,
                            s[0],
                            median(s),
                            s[s.length - 1],
                            tokens / s[0],
                            tokens / median(s),
                            tokens / s[s.length - 1],
                            median(doubles(run.result().get("step_cpu_seconds"))),
                            counters(run.result().get("step_counters")),
                            sections(run.result().get("sections_ms")),
                            Arrays.toString(Arrays.stream(run.losses())
                                    .mapToObj(x -> String.format(Locale.ROOT, "%.6f", x))
                                    .toArray()));
                }
            }
            EngineRun djl0 = runs.get("DJL").get(0);
            EngineRun torch0 = runs.get("PyTorch").get(0);
            System.out.println("DJL:     " + describe(djl0.result()));
            System.out.println("PyTorch: " + describe(torch0.result()));
            double[] dl = djl0.losses();
            double[] tl = torch0.losses();
            double diff = 0;
            for (int i = 0; i < Math.min(dl.length, tl.length); i++) {
                diff = Math.max(diff, Math.abs(dl[i] - tl[i]));
            }
            System.out.printf(Locale.ROOT, "largest |DJL - PyTorch| step loss over the first round: %.2e%n", diff);
            double best = 0;
            for (List<EngineRun> list : runs.values()) {
                for (EngineRun r : list) {
                    best = Math.max(best, r.matmul());
                }
            }
            double djlMedian = median(all(runs.get("DJL")));
            double torchMedian = median(all(runs.get("PyTorch")));
            for (String engine : runs.keySet()) {
                List<EngineRun> list = runs.get(engine);
                double[] s = all(list);
                double med = median(s);
                double tokens = model.rows() * o.length();
                double ownMatmul =
                        list.stream().mapToDouble(EngineRun::matmul).max().orElse(0);
                table.add(String.format(
                        Locale.ROOT,
                        "| %s | %s | %.0f | %.0f-%.0f | %s | %.1f%% | %.1f%% of %.0f | %.0f | %.0f |",
                        model.name(),
                        engine,
                        tokens / med,
                        tokens / s[s.length - 1],
                        tokens / s[0],
                        engine.equals("DJL") ? String.format(Locale.ROOT, "%.2f", torchMedian / djlMedian) : "1.00",
                        100 * flops.total() / med / (best * 1e9),
                        100 * flops.total() / med / (ownMatmul * 1e9),
                        ownMatmul,
                        list.stream().mapToLong(EngineRun::peakKib).max().orElse(0) / 1024.0,
                        median(list.stream()
                                .mapToDouble(EngineRun::genTokensPerSecond)
                                .toArray())));
            }
            System.out.printf(Locale.ROOT, "best fp32 matmul in this run, either engine: %.1f GFLOP/s%n", best);
            String blasNote = blasNote(runs);
            if (blasNote != null) {
                System.out.println(blasNote);
                notes.add(model.name() + ": " + blasNote);
            }
        }
        System.out.println();
        System.out.println("| model | engine | step tokens/s (median of all steps) | range (min-max) | DJL/PyTorch"
                + " | MFU (of the best matmul in the run) | MFU (of the engine's own matmul GFLOP/s)"
                + " | peak RSS MiB | generation tokens/s |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        table.forEach(System.out::println);
        notes.forEach(n -> System.out.println("\n" + n));
    }

    /**
     * A warning when PyTorch's products ran at under half of DJL's rate: on a CPU that Debian's OpenBLAS does not
     * recognise it falls back to old kernels (Prescott's SSE3 on an AVX-512 CPU, say), and the step ratio then
     * measures that detection, not the engines. The baseline still runs as OpenBLAS chooses by itself.
     */
    static String blasNote(Map<String, List<EngineRun>> runs) {
        double djl =
                runs.get("DJL").stream().mapToDouble(EngineRun::matmul).max().orElse(0);
        double torch = runs.get("PyTorch").stream()
                .mapToDouble(EngineRun::matmul)
                .max()
                .orElse(0);
        if (torch <= 0 || torch * 2 >= djl) {
            return null;
        }
        JsonNode core = runs.get("PyTorch").get(0).result().get("openblas_core");
        return String.format(
                Locale.ROOT,
                "note: PyTorch's best fp32 matmul (%.0f GFLOP/s) is under half of DJL's (%.0f): OpenBLAS runs its %s"
                        + " kernels on this CPU (%s), so DJL/PyTorch here measures OpenBLAS's CPU detection more than"
                        + " the engines; OPENBLAS_CORETYPE stays unset, as the baseline's rules ask",
                torch,
                djl,
                core == null ? "own" : "'" + core.asText() + "'",
                cpuVectorFlags());
    }

    private static String cpuVectorFlags() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    List<String> wide = new ArrayList<>();
                    for (String f : List.of("avx2", "avx512f", "amx_tile")) {
                        if ((" " + line + " ").contains(" " + f + " ")) {
                            wide.add(f);
                        }
                    }
                    return wide.isEmpty() ? "no AVX2" : "with " + String.join(", ", wide);
                }
            }
        } catch (IOException e) {
            return "flags unreadable: " + e.getMessage();
        }
        return "no flags line";
    }

    private static String describe(JsonNode r) {
        ObjectNode copy = r.deepCopy();
        copy.remove(List.of("losses", "step_seconds", "step_cpu_seconds", "step_counters", "sections_ms", "generated"));
        return copy.toString();
    }

    private static String sections(JsonNode ms) {
        List<String> parts = new ArrayList<>();
        ms.fields()
                .forEachRemaining(e -> parts.add(String.format(
                        Locale.ROOT, "%s %.0f", e.getKey(), e.getValue().asDouble())));
        return "{" + String.join(", ", parts) + "}";
    }

    private static double[] all(List<EngineRun> runs) {
        double[] s = runs.stream()
                .flatMapToDouble(r -> Arrays.stream(r.stepSeconds()))
                .toArray();
        Arrays.sort(s);
        return s;
    }

    private static double median(double[] sorted) {
        double[] s = sorted.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    private static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }

    static LoraBenchModel model(String name, Options o) {
        java.util.regex.Matcher layers = LAYERS.matcher(name);
        if (layers.matches()) {
            return LoraBenchModel.qwen05b(Integer.parseInt(layers.group(1)), o.pairs(), o.length(), o.prompt());
        }
        return switch (name) {
            case "llama-30m" -> LoraBenchModel.llama30m(o.pairs(), o.length(), o.prompt());
            case "qwen2.5-0.5b-shape" -> LoraBenchModel.qwen05b(o.pairs(), o.length(), o.prompt());
            case "tiny" -> LoraBenchModel.tiny(o.pairs(), o.length(), o.prompt());
            default ->
                throw new IllegalArgumentException(
                        "unknown config " + name + " (llama-30m, qwen2.5-0.5b-shape, qwen2.5-0.5b-shape-4l, tiny)");
        };
    }

    /** The child processes' environment: the same thread count for the engine and every BLAS. */
    static void threadEnvironment(Map<String, String> env, int threads) {
        for (String key : new String[] {"OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"}) {
            env.put(key, Integer.toString(threads));
        }
    }

    /**
     * PyTorch's split of the thread budget between ATen's OpenMP pool and OpenBLAS's pthread pool (as
     * {@code bench/scripts/torch_bench_common.py}'s {@code PLANS} splits it): {@code {intra-op, OpenBLAS}}.
     */
    static int[] torchThreadSplit(String plan, int threads) {
        return switch (plan) {
            case "blas" -> new int[] {1, threads};
            case "intra" -> new int[] {threads, 1};
            case "both" -> new int[] {threads, threads};
            default -> throw new IllegalArgumentException("unknown --torch-threads " + plan + " (blas, intra, both)");
        };
    }

    /** Runs the DJL side in a child JVM on this process's classpath. */
    static EngineRun runDjl(Path dir, Options o, String label) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Dai.djl.offline=true");
        command.add("-Xss4m");
        command.add("-Dai.djl.pytorch.num_threads=" + o.threads());
        command.add("-Dai.djl.pytorch.num_interop_threads=1");
        for (String property : new String[] {MklDispatch.PROPERTY, "logback.configurationFile"}) {
            String value = System.getProperty(property);
            if (value != null) {
                command.add("-D" + property + "=" + value);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(LoraDpoStepBenchmark.class.getName());
        command.addAll(List.of(
                "--worker",
                dir.toString(),
                "--threads",
                "" + o.threads(),
                "--warmup",
                "" + o.warmup(),
                "--steps",
                "" + o.steps(),
                "--gen-tokens",
                "" + o.genTokens(),
                "--matmul-sizes",
                o.matmulSizes()));
        if (o.profile() != null) {
            command.addAll(List.of("--profile", profileFile(o, "djl", label, ".json")));
        }
        ProcessBuilder pb = new ProcessBuilder(command);
        threadEnvironment(pb.environment(), o.threads());
        return new EngineRun("DJL", run(pb, "DJL"));
    }

    /** Runs the PyTorch side: Debian's interpreter and torch, OpenBLAS left to pick its own kernels. */
    static EngineRun runTorch(Path dir, Options o, String label) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                o.python(),
                o.script(),
                dir.toString(),
                "--threads",
                "" + o.threads(),
                "--warmup",
                "" + o.warmup(),
                "--steps",
                "" + o.steps(),
                "--gen-tokens",
                "" + o.genTokens(),
                "--matmul-sizes",
                o.matmulSizes(),
                "--lr",
                "" + LEARNING_RATE));
        if (o.profile() != null) {
            command.addAll(List.of("--profile", profileFile(o, "torch", label, ".txt")));
        }
        command.addAll(List.of("--thread-plan", o.torchThreads()));
        ProcessBuilder pb = new ProcessBuilder(command);
        int[] split = torchThreadSplit(o.torchThreads(), o.threads());
        // OpenBLAS sizes its pool from the environment when it loads, before the script can set anything.
        pb.environment().put("OMP_NUM_THREADS", Integer.toString(split[0]));
        pb.environment().put("MKL_NUM_THREADS", Integer.toString(split[0]));
        pb.environment().put("OPENBLAS_NUM_THREADS", Integer.toString(split[1]));
        pb.environment().remove("OPENBLAS_CORETYPE");
        pb.environment().remove("OPENBLAS_L2_SIZE");
        return new EngineRun("PyTorch", run(pb, "PyTorch"));
    }

    /** Where an engine's profile of one extra step goes: {@code DIR/ENGINE-MODEL-N.EXT}, N counting rounds. */
    private static String profileFile(Options o, String engine, String label, String extension) throws IOException {
        Files.createDirectories(o.profile());
        int n = 1;
        while (Files.exists(o.profile().resolve(engine + "-" + label + "-" + n + extension))) {
            n++;
        }
        return o.profile().resolve(engine + "-" + label + "-" + n + extension).toString();
    }

    private static JsonNode run(ProcessBuilder pb, String engine) throws IOException, InterruptedException {
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process process = pb.start();
        String result = null;
        StringBuilder other = new StringBuilder();
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.startsWith(RESULT)) {
                    result = line.substring(RESULT.length());
                } else {
                    other.append(line).append('\n');
                }
            }
        }
        int exit = process.waitFor();
        if (exit != 0 || result == null) {
            throw new IOException(engine + " child exited with " + exit + " and no result: " + other);
        }
        return JSON.readTree(result);
    }

    /** The DJL worker's arguments. */
    record WorkerArgs(Path dir, int threads, int warmup, int steps, int genTokens, int[] matmulSizes, String profile) {}

    private static WorkerArgs workerArgs(String[] args) {
        Path dir = Path.of(args[1]);
        int threads = 1;
        int warmup = 2;
        int steps = 10;
        int gen = 32;
        int[] sizes = {256, 512, 1024, 2048};
        String profile = null;
        for (int i = 2; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
                case "--steps" -> steps = Integer.parseInt(args[i + 1]);
                case "--gen-tokens" -> gen = Integer.parseInt(args[i + 1]);
                case "--matmul-sizes" ->
                    sizes = Arrays.stream(args[i + 1].split(","))
                            .mapToInt(Integer::parseInt)
                            .toArray();
                case "--profile" -> profile = args[i + 1];
                default -> throw new IllegalArgumentException("unknown worker option " + args[i]);
            }
        }
        return new WorkerArgs(dir, threads, warmup, steps, gen, sizes, profile);
    }

    /**
     * The DJL side, in this process: loads the directory as the online trainer does ({@link LlamaPolicy} with LoRA,
     * the adapters' starting weights from {@code adapter/}), runs warm-up and timed steps of the loop's own
     * {@link PreferenceTrainer} (the reference: the same model with its adapters off, through the
     * {@link ReferenceModel}), then greedy generation with the key-value cache, then the matmul probe.
     */
    static ObjectNode djlWorker(WorkerArgs w) throws IOException {
        MklDispatch.Status mkl = MklDispatch.ensureLoaded();
        JsonNode batch = JSON.readTree(w.dir().resolve("batch.json").toFile());
        int pairs = batch.get("pairs").asInt();
        int prompt = batch.get("prompt_length").asInt();
        // The model reads every row but its last id, as the trainer's collator shifts rows for next-token targets.
        int length = batch.get("rows").get(0).size() - 1;
        ObjectNode out = JSON.createObjectNode();
        ArrayNode losses = out.putArray("losses");
        ArrayNode times = out.putArray("step_seconds");
        LoraConfig lora = LoraAdapters.readConfig(w.dir().resolve("adapter").resolve(LoraAdapters.CONFIG_FILE));
        try (LlamaPolicy policy = LlamaPolicy.load(w.dir(), Optional.of(lora), 0, length, Device.cpu())) {
            try (LoraAdapters start = LoraAdapters.load(w.dir().resolve("adapter"), policy.model())) {
                policy.loadWeights(PolicyWeights.export(start.parameters()));
            }
            OptimizerConfig adam = new OptimizerConfig(LEARNING_RATE, 0.9, 0.999, 1e-8, 0.01, 1.0, 0);
            LossConfig dpo = LossConfig.defaults(LossType.DPO_SIGMOID);
            // No cache entries: every step's pairs are new, as the loop's are, so the reference scores each.
            try (AdamW optimizer = new AdamW(adam, policy.trainableParameters());
                    ReferenceModel reference = new ReferenceModel(policy.frozenReference(), 0)) {
                PreferenceTrainer trainer = new PreferenceTrainer(policy, reference, optimizer);
                ArrayNode cpu = out.putArray("step_cpu_seconds");
                ArrayNode counters = out.putArray("step_counters");
                Map<String, Double> sections = new LinkedHashMap<>();
                Map<String, Double> threadsBefore = Map.of();
                for (int s = 0; s < w.warmup() + w.steps(); s++) {
                    if (s == w.warmup()) {
                        threadsBefore = ProcessCounters.threadCpuSeconds();
                    }
                    List<SourceBatch> step = List.of(new SourceBatch.Pairs("bench", dpo, 1.0, pairs(batch, s)));
                    long begin = System.nanoTime();
                    long beginCpu = processCpuNanos();
                    ProcessCounters beginCounters = ProcessCounters.now();
                    PreferenceTrainer.StepResult result = trainer.step(step);
                    double seconds = (System.nanoTime() - begin) / 1e9;
                    losses.add(result.metrics().get("loss/bench"));
                    if (s >= w.warmup()) {
                        times.add(seconds);
                        cpu.add((processCpuNanos() - beginCpu) / 1e9);
                        addCounters(counters, ProcessCounters.now().minus(beginCounters), seconds);
                        result.metrics().forEach((k, v) -> {
                            if (k.startsWith("time/")) {
                                sections.merge(k.substring(5), 1000 * v / w.steps(), Double::sum);
                            }
                        });
                    }
                }
                // Which threads computed the timed steps, and how much (the intra-op pool at work, or idle).
                ObjectNode threadCpu = out.putObject("thread_cpu_seconds");
                for (Map.Entry<String, Double> e :
                        ProcessCounters.threadCpuSeconds().entrySet()) {
                    double used = e.getValue() - threadsBefore.getOrDefault(e.getKey(), 0.0);
                    if (used >= 0.01) {
                        threadCpu.put(e.getKey(), Math.round(used * 100) / 100.0);
                    }
                }
                if (w.profile() != null) {
                    // libtorch's own profiler over one more step: a Chrome trace of every op, for finding where
                    // the time goes (aggregated by bench/scripts/profile_ops.py).
                    JniUtils.startProfile(false, true, false);
                    trainer.step(List.of(new SourceBatch.Pairs("bench", dpo, 1.0, pairs(batch, -1))));
                    JniUtils.stopProfile(w.profile());
                }
                ObjectNode ms = out.putObject("sections_ms");
                sections.forEach(ms::put);
            }
            JsonNode firstRow = batch.get("rows").get(0);
            long[] ids = new long[prompt];
            for (int t = 0; t < prompt; t++) {
                ids[t] = firstRow.get(t).asLong();
            }
            LlamaModel model = policy.model();
            long begin = System.nanoTime();
            ArrayNode generated = out.putArray("generated");
            try (GradMode.Scope off = GradMode.off();
                    NDManager scope = model.manager().newSubManager()) {
                LlamaKvCache cache = new LlamaKvCache(model, scope);
                NDArray logits = model.decode(scope.create(ids, new Shape(1, ids.length)), null, cache);
                for (int i = 0; i < w.genTokens(); i++) {
                    long next = logits.get(":, -1, :").argMax(-1).toLongArray()[0];
                    generated.add(next);
                    if (i == w.genTokens() - 1) {
                        break;
                    }
                    logits = model.decode(scope.create(new long[] {next}, new Shape(1, 1)), null, cache);
                }
            }
            out.put("gen_tokens_per_s", w.genTokens() / ((System.nanoTime() - begin) / 1e9));
        }
        long peak = vmHwmKib();
        out.put(
                "engine",
                "DJL " + Engine.getDjlVersion() + ", " + Engine.getInstance().getEngineName() + " "
                        + Engine.getInstance().getVersion());
        out.put("threads", JniUtils.getNumThreads());
        out.put("interop_threads", JniUtils.getNumInteropThreads());
        ObjectNode env = out.putObject("env");
        for (String key : new String[] {"OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"}) {
            env.put(key, System.getenv(key));
        }
        out.put("blas", "MKL inside libtorch (pytorch-native-cpu); MKL dispatch shim " + mkl);
        out.put("matmul_gflops", DpoStepBenchmark.bestMatmulGflops(Device.cpu(), w.matmulSizes()));
        out.put("vm_hwm_kib", peak);
        return out;
    }

    /** One step's kernel counters, named as the PyTorch side names them. */
    private static void addCounters(ArrayNode into, ProcessCounters c, double wallSeconds) {
        ObjectNode o = into.addObject();
        o.put("wall_s", wallSeconds);
        o.put("user_s", c.userSeconds());
        o.put("sys_s", c.systemSeconds());
        o.put("minor_faults", c.minorFaults());
        o.put("major_faults", c.majorFaults());
        o.put("voluntary_switches", c.voluntarySwitches());
        o.put("involuntary_switches", c.involuntarySwitches());
        o.put("runqueue_wait_s", c.runqueueWaitSeconds());
        o.put("step_thread_cpu_s", c.callerCpuSeconds());
        o.put("step_thread_wait_s", c.callerWaitSeconds());
    }

    /** The median per step of each kernel counter, as the round's line prints them. */
    static String counters(JsonNode steps) {
        if (steps == null || steps.isEmpty()) {
            return "no kernel counters";
        }
        String[] keys = {
            "user_s",
            "sys_s",
            "minor_faults",
            "major_faults",
            "voluntary_switches",
            "involuntary_switches",
            "runqueue_wait_s",
            "step_thread_cpu_s",
            "step_thread_wait_s",
            "wall_s"
        };
        double[] med = new double[keys.length];
        for (int k = 0; k < keys.length; k++) {
            double[] v = new double[steps.size()];
            for (int i = 0; i < v.length; i++) {
                JsonNode step = steps.get(i);
                // What the stepping thread neither ran nor waited for a core: the time it slept.
                v[i] = keys[k].equals("wall_s")
                        ? step.path("wall_s").asDouble()
                                - step.path("step_thread_cpu_s").asDouble()
                                - step.path("step_thread_wait_s").asDouble()
                        : step.path(keys[k]).asDouble();
            }
            med[k] = median(v);
        }
        return String.format(
                Locale.ROOT,
                "user/sys CPU %.2f/%.2f s; the stepping thread ran %.2f s, waited for a core %.2f s, slept %.2f s;"
                        + " all threads waited for a core %.2f s; %.0f minor and %.0f major page faults, %.0f"
                        + " voluntary and %.0f involuntary context switches",
                med[0],
                med[1],
                med[7],
                med[8],
                med[9],
                med[6],
                med[2],
                med[3],
                med[4],
                med[5]);
    }

    /**
     * The batch's text pairs with ids of their own for step {@code step}: the loop's reference cache never sees an
     * id twice.
     */
    private static List<PairExample> pairs(JsonNode batch, int step) {
        List<PairExample> out = new ArrayList<>();
        for (int p = 0; p < batch.get("pairs").asInt(); p++) {
            out.add(new PairExample(
                    "step-" + step + "/pair-" + p,
                    batch.get("prompts").get(p).asText(),
                    batch.get("chosen").get(p).asText(),
                    batch.get("rejected").get(p).asText(),
                    1.0));
        }
        return out;
    }

    /** CPU time of every thread of this process (the engine's worker threads included), in nanoseconds. */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** This process's peak resident set ({@code VmHWM} of {@code /proc/self/status}), in KiB; -1 where unknown. */
    static long vmHwmKib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    static Options parse(String[] args) {
        boolean quick = Arrays.asList(args).contains("--quick");
        int threads = Runtime.getRuntime().availableProcessors();
        List<String> configs = List.of("llama-30m", "qwen2.5-0.5b-shape");
        int rounds = quick ? 1 : 3;
        // Eight: DJL's JIT still compiles the step's Java code during the first few steps (its compiler threads took
        // 0.69 CPU seconds over the timed steps after 2 warm-up steps, 0.28 after 8); PyTorch gets the same count.
        int warmup = quick ? 1 : 8;
        int steps = quick ? 3 : 10;
        int pairs = 2;
        int length = 64;
        int prompt = 32;
        int gen = quick ? 8 : 32;
        String python = "/usr/bin/python3";
        String script = "bench/scripts/lora_dpo_step_torch.py";
        Path models = Path.of("bench/target/lora-models");
        String sizes = quick ? "512,1024" : "256,512,1024,2048";
        Path profile = null;
        String torchThreads = DEFAULT_TORCH_THREADS;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--quick")) {
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + args[i] + " needs a value");
            }
            String v = args[++i];
            switch (args[i - 1]) {
                case "--threads" -> threads = Integer.parseInt(v);
                case "--configs" -> configs = List.of(v.split(","));
                case "--rounds" -> rounds = Integer.parseInt(v);
                case "--warmup" -> warmup = Integer.parseInt(v);
                case "--steps" -> steps = Integer.parseInt(v);
                case "--pairs" -> pairs = Integer.parseInt(v);
                case "--length" -> length = Integer.parseInt(v);
                case "--prompt" -> prompt = Integer.parseInt(v);
                case "--gen-tokens" -> gen = Integer.parseInt(v);
                case "--python" -> python = v;
                case "--script" -> script = v;
                case "--models" -> models = Path.of(v);
                case "--matmul-sizes" -> sizes = v;
                case "--profile" -> profile = Path.of(v);
                case "--torch-threads" -> torchThreads = v;
                default -> throw new IllegalArgumentException("unknown option " + args[i - 1]);
            }
        }
        if (!quick && (steps < 10 || rounds < 3)) {
            System.out.println("note: fewer than 10 steps or 3 rounds: the spread is not the benchmark's");
        }
        return new Options(
                quick,
                threads,
                configs,
                rounds,
                warmup,
                steps,
                pairs,
                length,
                prompt,
                gen,
                python,
                script,
                models,
                sizes,
                profile,
                torchThreads);
    }
}

package io.streamrlhf.bench.trainer;

import ai.djl.engine.Engine;
import io.streamrlhf.trainer.config.ModelConfig;
import io.streamrlhf.trainer.cpu.MklDispatch;
import io.streamrlhf.trainer.generate.Generation;
import io.streamrlhf.trainer.generate.Generator;
import io.streamrlhf.trainer.generate.SamplingConfig;
import io.streamrlhf.trainer.generate.UncachedGenerator;
import io.streamrlhf.trainer.model.Devices;
import io.streamrlhf.trainer.model.PolicyModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Generated tokens per second of the {@link Generator} (key-value cache) against the {@link UncachedGenerator}
 * reference (from the trainer's test jar), the plain loop that reruns the model over each whole sequence at every
 * step, side by side in one run, at the default size and at 6 layers × 256 wide: a batch of
 * {@code rows} prompts, {@code maxTokens} each at temperature 1 (a fresh model rarely stops early). Each figure
 * is the median of {@code rounds} alternating rounds. Prints a table.
 *
 * <p>Usage: {@code GenerationBenchmark [rows=8] [maxTokens=64] [rounds=3]}.
 */
public final class GenerationBenchmark {

    private GenerationBenchmark() {}

    /** Runs the benchmark and prints the table. */
    public static void main(String[] args) {
        MklDispatch.ensureLoaded();
        int rows = 8;
        int maxTokens = 64;
        int rounds = 3;
        for (String arg : args) {
            String[] kv = arg.split("=", 2);
            switch (kv[0]) {
                case "rows" -> rows = Integer.parseInt(kv[1]);
                case "maxTokens" -> maxTokens = Integer.parseInt(kv[1]);
                case "rounds" -> rounds = Integer.parseInt(kv[1]);
                default -> throw new IllegalArgumentException("unknown argument " + arg);
            }
        }
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            prompts.add("Question " + i + ": what is " + (i * 7) + " plus " + (i + 3) + "?");
        }
        SamplingConfig sampling = new SamplingConfig(1.0, 1.0, maxTokens);
        System.out.printf(
                Locale.ROOT,
                "engine %s %s on %s; %d prompts x up to %d tokens, median of %d rounds%n",
                Engine.getInstance().getEngineName(),
                Engine.getInstance().getVersion(),
                Devices.best(),
                rows,
                maxTokens,
                rounds);
        System.out.println("| model | uncached tokens/s | KV cache tokens/s | speed-up |");
        System.out.println("|---|---:|---:|---:|");
        for (ModelConfig config :
                List.of(ModelConfig.defaults(), ModelConfig.defaults().withSize(6, 256))) {
            try (PolicyModel model = PolicyModel.create(config)) {
                Generator generator = new Generator(model);
                UncachedGenerator reference = new UncachedGenerator(model);
                generator.generate(prompts, sampling, new Random(1)); // warm-up
                reference.generate(prompts, sampling, new Random(1));
                double[] full = new double[rounds];
                double[] cached = new double[rounds];
                for (int round = 0; round < rounds; round++) {
                    full[round] = tokensPerSecond(() -> reference.generate(prompts, sampling, new Random(2)));
                    cached[round] = tokensPerSecond(() -> generator.generate(prompts, sampling, new Random(2)));
                }
                double f = median(full);
                double c = median(cached);
                System.out.printf(
                        Locale.ROOT,
                        "| %d x %d | %.0f | %.0f | %.2fx |%n",
                        config.layers(),
                        config.width(),
                        f,
                        c,
                        c / f);
            }
        }
    }

    private static double tokensPerSecond(java.util.function.Supplier<List<Generation>> run) {
        long start = System.nanoTime();
        List<Generation> out = run.get();
        double seconds = (System.nanoTime() - start) / 1e9;
        return out.stream().mapToInt(g -> g.tokenLogprobs().length).sum() / seconds;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}

package io.streamrlhf.bench.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.streamrlhf.trainer.cpu.MklDispatch;
import io.streamrlhf.trainer.model.Devices;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Measures what the MKL dispatch shim does to DJL's fp32 matrix product: two child JVMs side by side, the shim
 * turned off and on ({@code -Dstreamrlhf.mkl.dispatch}), each timing a 1024x1024 by 1024x1024 product after
 * warm-up, and how often MKL asked the shim whether the CPU is an Intel one (above zero: the shim interposes).
 *
 * <pre>bench/run MklDispatchProbe [threads=1] [rounds=20]</pre>
 */
public final class MklDispatchProbe {

    private MklDispatchProbe() {}

    /** Runs both children and prints their lines; {@code child} as first argument is one child. */
    public static void main(String[] args) throws Exception {
        int threads = 1;
        int rounds = 20;
        boolean child = false;
        for (String arg : args) {
            String[] kv = arg.split("=", 2);
            switch (kv[0]) {
                case "threads" -> threads = Integer.parseInt(kv[1]);
                case "rounds" -> rounds = Integer.parseInt(kv[1]);
                case "child" -> child = true;
                default -> throw new IllegalArgumentException("unknown argument " + arg + ": use threads=N rounds=N");
            }
        }
        if (child) {
            measure(rounds);
            return;
        }
        System.out.printf(
                Locale.ROOT,
                "fp32 matmul 1024x1024 @ 1024x1024 via DJL, %d intra-op thread(s), median of %d%n",
                threads,
                rounds);
        for (String setting : List.of("false", "true", "false", "true")) {
            run(setting, threads, rounds);
        }
    }

    private static void run(String setting, int threads, int rounds) throws Exception {
        List<String> cmd = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.num_threads=" + threads,
                "-Dai.djl.pytorch.num_interop_threads=1",
                "-D" + MklDispatch.PROPERTY + "=" + setting,
                "-cp",
                System.getProperty("java.class.path"),
                MklDispatchProbe.class.getName(),
                "child",
                "rounds=" + rounds);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().remove("LD_PRELOAD");
        Process p = pb.start();
        List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                .lines()
                .toList();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("child failed: " + lines);
        }
        System.out.println(
                lines.stream().filter(l -> l.startsWith("shim=")).findFirst().orElseThrow());
    }

    private static void measure(int rounds) {
        MklDispatch.Status status = MklDispatch.ensureLoaded();
        Devices.best();
        int n = 1024;
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray a = manager.randomNormal(new Shape(n, n));
            NDArray b = manager.randomNormal(new Shape(n, n));
            for (int i = 0; i < 3; i++) {
                a.matMul(b).close();
            }
            // Wall time counts the moments other processes hold the core; with one intra-op thread the product runs
            // on this thread, so its CPU time measures the kernel alone. Both are printed.
            ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
            double[] wall = new double[rounds];
            double[] onCpu = new double[rounds];
            for (int i = 0; i < rounds; i++) {
                long start = System.nanoTime();
                long startCpu = cpu.getCurrentThreadCpuTime();
                try (NDArray c = a.matMul(b)) {
                    c.toFloatArray(); // forces the product to finish before the clock stops
                }
                onCpu[i] = 2.0 * n * n * n / (cpu.getCurrentThreadCpuTime() - startCpu);
                wall[i] = 2.0 * n * n * n / (System.nanoTime() - start);
            }
            Arrays.sort(wall);
            Arrays.sort(onCpu);
            System.out.printf(
                    Locale.ROOT,
                    "shim=%s (MKL asked it %d times): %.1f GFLOP/s median wall, %.1f best wall,"
                            + " %.1f median per CPU second of this thread%n",
                    status,
                    MklDispatch.calls(),
                    wall[rounds / 2],
                    wall[rounds - 1],
                    onCpu[rounds / 2]);
        }
    }
}

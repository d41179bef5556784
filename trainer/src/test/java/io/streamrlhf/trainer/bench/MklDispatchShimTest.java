package io.streamrlhf.trainer.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The MKL dispatch shim (trainer/src/main/native) loads in front of DJL's libtorch and leaves results as they were:
 * the same matrix products, with and without it, in two child JVMs. Speed is the benchmark's business, not a test's.
 */
class MklDispatchShimTest {

    /** Child JVM: whether the shim is mapped into this process, then a checksum of seeded matrix products. */
    public static void main(String[] args) throws IOException {
        boolean mapped = Files.readString(Path.of("/proc/self/maps")).contains("libmkl_intel_dispatch.so");
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(7);
            NDArray a = manager.randomNormal(new Shape(384, 512));
            NDArray b = manager.randomNormal(new Shape(512, 256));
            float[] c = a.matMul(b).toFloatArray();
            StringBuilder out = new StringBuilder("mapped=" + mapped + " values=");
            for (int i = 0; i < c.length; i += 997) {
                out.append(c[i]).append(',');
            }
            System.out.println(out);
        }
    }

    @Test
    void theShimLoadsAndLeavesMatrixProductsAsTheyWere() throws Exception {
        assumeTrue(Files.readString(Path.of("/proc/cpuinfo")).contains("AuthenticAMD"), "only AMD CPUs get the shim");
        Path script = Path.of("bench/mkl-shim.sh").toAbsolutePath();
        Process build = new ProcessBuilder(script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String shim = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(build.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assumeTrue(!shim.isEmpty(), "no C compiler here, so no shim to check");

        String without = child(null);
        String with = child(shim);
        assertThat(without).startsWith("mapped=false");
        assertThat(with).startsWith("mapped=true");
        float[] x = values(without);
        float[] y = values(with);
        assertThat(y).hasSameSizeAs(x);
        for (int i = 0; i < x.length; i++) {
            // Other kernels may sum in another order: agreement to float rounding, not bit for bit.
            assertThat(y[i]).isCloseTo(x[i], offset(1e-3f * Math.max(1f, Math.abs(x[i]))));
        }
    }

    private static float[] values(String line) {
        String[] parts = line.substring(line.indexOf("values=") + 7).split(",");
        float[] out = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Float.parseFloat(parts[i]);
        }
        return out;
    }

    private static String child(String preload) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1", "-cp", System.getProperty("java.class.path"),
                MklDispatchShimTest.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        Map<String, String> env = pb.environment();
        env.remove("LD_PRELOAD");
        if (preload != null) {
            env.put("LD_PRELOAD", preload);
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.lines().filter(l -> l.startsWith("mapped=")).findFirst().orElseThrow(() -> new AssertionError(out));
    }
}

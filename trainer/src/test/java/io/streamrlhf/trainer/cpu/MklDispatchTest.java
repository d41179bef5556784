package io.streamrlhf.trainer.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.streamrlhf.trainer.model.Devices;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The MKL dispatch shim, loaded by {@link MklDispatch} from the trainer's own classes, reaches libtorch's MKL and
 * leaves results as they were: child JVMs with the shim on and off compute the same seeded matrix products, and
 * with it on the library is mapped, a global lookup finds it and MKL has called it. Speed is the benchmark's
 * business (bench/run MklDispatchProbe), not a test's.
 */
class MklDispatchTest {

    private static final String LIBRARY = "libstreamrlhf_mkl_dispatch.so";

    /** Child JVM: loads the shim the way the trainer does, multiplies seeded matrices, prints what it saw. */
    public static void main(String[] args) throws IOException {
        MklDispatch.Status status = MklDispatch.ensureLoaded();
        // The trainer's own entry point to the engine, as every trainer path goes through it first.
        Devices.best();
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(7);
            NDArray a = manager.randomNormal(new Shape(384, 512));
            NDArray b = manager.randomNormal(new Shape(512, 256));
            float[] c = a.matMul(b).toFloatArray();
            boolean mapped = Files.readString(Path.of("/proc/self/maps")).contains(LIBRARY);
            StringBuilder out = new StringBuilder("status=" + status + " mapped=" + mapped + " bound="
                    + MklDispatch.globallyBound() + " calls=" + MklDispatch.calls() + " values=");
            for (int i = 0; i < c.length; i += 997) {
                out.append(c[i]).append(',');
            }
            System.out.println(out);
        }
    }

    @Test
    void theShimReachesMklAndLeavesMatrixProductsAsTheyWere() throws Exception {
        assumeTrue(Files.readString(Path.of("/proc/cpuinfo")).contains("AuthenticAMD"), "only AMD CPUs get the shim");
        assumeTrue(
                MklDispatch.class.getResource(MklDispatch.RESOURCE) != null,
                "built with -Dstreamrlhf.native.skip=true, so no shim to check");

        String without = child("false");
        String with = child("true");

        assertThat(without).startsWith("status=DISABLED mapped=false bound=false calls=0 ");
        assertThat(with).startsWith("status=LOADED mapped=true bound=true calls=");
        assertThat(field(with, "calls"))
                .as("MKL asked the shim whether the CPU is an Intel one")
                .isPositive();
        float[] x = values(without);
        float[] y = values(with);
        assertThat(y).hasSameSizeAs(x);
        for (int i = 0; i < x.length; i++) {
            // Other kernels may sum in another order: agreement to float rounding, not bit for bit.
            assertThat(y[i]).isCloseTo(x[i], offset(1e-3f * Math.max(1f, Math.abs(x[i]))));
        }
    }

    @Test
    void rejectsASwitchValueOtherThanTrueOrFalse() throws Exception {
        Process p = start("yes", ProcessBuilder.Redirect.PIPE);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isNotZero();
        assertThat(err).contains("streamrlhf.mkl.dispatch='yes'").contains("use true (default) or false");
    }

    private static long field(String line, String name) {
        String rest = line.substring(line.indexOf(name + "=") + name.length() + 1);
        return Long.parseLong(rest.substring(0, rest.indexOf(' ')));
    }

    private static float[] values(String line) {
        String[] parts = line.substring(line.indexOf("values=") + 7).split(",");
        float[] out = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Float.parseFloat(parts[i]);
        }
        return out;
    }

    private static Process start(String setting, ProcessBuilder.Redirect stderr) throws IOException {
        List<String> cmd = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.num_threads=1",
                "-D" + MklDispatch.PROPERTY + "=" + setting,
                "-cp",
                System.getProperty("java.class.path"),
                MklDispatchTest.class.getName());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(stderr);
        pb.environment().remove("LD_PRELOAD");
        return pb.start();
    }

    private static String child(String setting) throws Exception {
        Process p = start(setting, ProcessBuilder.Redirect.DISCARD);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.lines().filter(l -> l.startsWith("status=")).findFirst().orElseThrow(() -> new AssertionError(out));
    }
}

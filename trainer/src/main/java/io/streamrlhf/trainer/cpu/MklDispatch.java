package io.streamrlhf.trainer.cpu;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the MKL dispatch shim ({@code src/main/native/mkl_dispatch.c}) into the process's global symbol scope
 * before DJL loads libtorch, so the MKL inside libtorch uses its fast kernels on AMD CPUs too.
 *
 * <p>{@link #ensureLoaded()} extracts the library from this jar to a content-addressed cache file and
 * {@code System.load}s it; the library's {@code JNI_OnLoad} then promotes itself to {@code RTLD_GLOBAL}, so
 * {@code libtorch_cpu.so}, loaded later, binds {@code mkl_serv_intel_cpu_true} to it. Every trainer path that
 * touches the DJL engine calls it first; it is idempotent and cheap after the first call. It acts only on Linux
 * x86-64 with an AMD CPU, and is turned off with {@code -Dstreamrlhf.mkl.dispatch=false}.
 */
public final class MklDispatch {

    /** System property that turns the shim off ({@code false}) or on ({@code true}, the default). */
    public static final String PROPERTY = "streamrlhf.mkl.dispatch";

    /** Where the build puts the library inside the trainer jar. */
    public static final String RESOURCE = "/native/linux-x86_64/libstreamrlhf_mkl_dispatch.so";

    /** What {@link #ensureLoaded()} did. */
    public enum Status {
        /** The shim is loaded and in the global scope. */
        LOADED,
        /** Turned off through {@link #PROPERTY}. */
        DISABLED,
        /** Not an AMD CPU: MKL already takes its fast paths. */
        NOT_AMD,
        /** Not Linux x86-64, where the shim is built for. */
        UNSUPPORTED_PLATFORM,
        /** The jar carries no shim (built without a C compiler). */
        MISSING,
        /** Extracting or loading the library failed; MKL keeps its slower paths. */
        FAILED
    }

    private static final Logger LOG = LoggerFactory.getLogger(MklDispatch.class);
    private static volatile Status status;

    private MklDispatch() {}

    /**
     * Loads the shim once per process when it applies; later calls return the first call's answer. Call it before
     * any DJL {@code Engine} or {@code NDManager} use: once libtorch is loaded, its calls are already bound.
     *
     * @throws IllegalArgumentException when {@link #PROPERTY} is neither {@code true} nor {@code false}
     */
    public static Status ensureLoaded() {
        Status s = status;
        if (s != null) {
            return s;
        }
        synchronized (MklDispatch.class) {
            if (status == null) {
                status = load();
            }
            return status;
        }
    }

    /** True once the shim is loaded and a global-scope lookup of MKL's dispatch question finds it. */
    public static boolean globallyBound() {
        return status == Status.LOADED && globallyBound0();
    }

    /** How often MKL has called the shim so far; zero when it is not loaded. */
    public static long calls() {
        return status == Status.LOADED ? calls0() : 0L;
    }

    private static Status load() {
        String setting = System.getProperty(PROPERTY, "true").trim().toLowerCase(Locale.ROOT);
        if (setting.equals("false")) {
            LOG.info("MKL dispatch shim turned off ({}=false)", PROPERTY);
            return Status.DISABLED;
        }
        if (!setting.equals("true")) {
            throw new IllegalArgumentException("System property " + PROPERTY + "='" + System.getProperty(PROPERTY)
                    + "': use true (default) or false");
        }
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return Status.UNSUPPORTED_PLATFORM;
        }
        if (!amdCpu()) {
            return Status.NOT_AMD;
        }
        if (libtorchMapped()) {
            // The shim would still load but libtorch's already-resolved calls would not move to it.
            LOG.warn("libtorch was loaded before the MKL dispatch shim; MKL may keep its slower AMD code paths");
        }
        try (InputStream in = MklDispatch.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                LOG.warn("This trainer jar was built without the MKL dispatch shim (no C compiler at build time); "
                        + "MKL keeps its slower AMD code paths");
                return Status.MISSING;
            }
            Path library = extract(in.readAllBytes());
            System.load(library.toString());
            LOG.info("MKL dispatch shim loaded from {}", library);
            return Status.LOADED;
        } catch (IOException | UncheckedIOException | UnsatisfiedLinkError | SecurityException e) {
            LOG.warn("Could not load the MKL dispatch shim; MKL keeps its slower AMD code paths", e);
            return Status.FAILED;
        }
    }

    /** Writes the library once per content under the user's cache folder; concurrent JVMs race to the same file. */
    private static Path extract(byte[] bytes) throws IOException {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        Path dir = cache.resolve("streamrlhf")
                .resolve("native")
                .resolve(sha256(bytes).substring(0, 16));
        Path target = dir.resolve(RESOURCE.substring(RESOURCE.lastIndexOf('/') + 1));
        if (Files.isRegularFile(target) && Files.size(target) == bytes.length) {
            return target;
        }
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "lib", ".tmp");
        try {
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return target;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    private static boolean amdCpu() {
        try {
            return Files.readString(Path.of("/proc/cpuinfo")).contains("AuthenticAMD");
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean libtorchMapped() {
        try {
            return Files.readString(Path.of("/proc/self/maps")).contains("libtorch_cpu.so");
        } catch (IOException e) {
            return false;
        }
    }

    private static native boolean globallyBound0();

    private static native long calls0();
}

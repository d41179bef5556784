package io.streamrlhf.trainer.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.streamrlhf.trainer.cpu.MklDispatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Device choice: the first GPU when DJL sees one, the CPU otherwise; and device lists. */
public final class Devices {

    /** The {@code trainer.devices} value that picks every visible GPU, or the CPU. */
    public static final String AUTO = "auto";

    private Devices() {}

    /** {@code Device.gpu()} when the engine reports a GPU, else {@code Device.cpu()}. */
    public static Device best() {
        MklDispatch.ensureLoaded();
        return Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
    }

    /** Every GPU the engine reports, in order; the CPU alone when there is none. */
    public static List<Device> all() {
        MklDispatch.ensureLoaded();
        int gpus = Engine.getInstance().getGpuCount();
        if (gpus == 0) {
            return List.of(Device.cpu());
        }
        List<Device> out = new ArrayList<>(gpus);
        for (int i = 0; i < gpus; i++) {
            out.add(Device.gpu(i));
        }
        return List.copyOf(out);
    }

    /**
     * Parses a device list: {@code auto} ({@link #all()}), or a comma-separated list of {@code cpu},
     * {@code gpu} (GPU 0) and {@code gpuN}. The first device holds the master weights and the
     * optimizer; each further entry adds a data-parallel replica. A device may repeat ({@code cpu,cpu}
     * runs two replicas on the CPU, which exercises the data-parallel path without a GPU).
     *
     * @throws IllegalArgumentException naming the bad entry, or a GPU the engine does not see
     */
    public static List<Device> parse(String spec) {
        MklDispatch.ensureLoaded();
        String trimmed = spec == null ? "" : spec.trim().toLowerCase(Locale.ROOT);
        if (trimmed.isEmpty() || trimmed.equals(AUTO)) {
            return all();
        }
        int gpus = -1;
        List<Device> out = new ArrayList<>();
        for (String raw : trimmed.split(",")) {
            String entry = raw.trim();
            if (entry.equals("cpu")) {
                out.add(Device.cpu());
                continue;
            }
            if (!entry.matches("gpu[0-9]*")) {
                throw new IllegalArgumentException("Unknown device '" + entry
                        + "' in trainer.devices: use auto, or a list of cpu, gpu, gpu0, gpu1, ...");
            }
            int id = entry.length() == 3 ? 0 : Integer.parseInt(entry.substring(3));
            if (gpus < 0) {
                gpus = Engine.getInstance().getGpuCount();
            }
            if (id >= gpus) {
                throw new IllegalArgumentException(
                        "trainer.devices names " + entry + " but the engine sees " + gpus + " GPU(s)");
            }
            out.add(Device.gpu(id));
        }
        return List.copyOf(out);
    }
}

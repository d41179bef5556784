package io.streamrlhf.trainer.parallel;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import io.streamrlhf.trainer.model.GradMode;
import io.streamrlhf.trainer.model.PolicyModel;
import io.streamrlhf.trainer.optim.AdamW;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Synchronous data parallelism over several devices, parameter-server style (as DJL's own
 * multi-device training and PyTorch's {@code DataParallel}): the primary model on the first device
 * holds the master weights and the optimizer; every further device holds a replica. Each micro-batch
 * is split into contiguous shards, one per model; each shard's loss is scaled by its share of the
 * batch, so the summed gradients equal the whole batch's on one device. After the backward pass the
 * replicas' gradients are summed into the primary's ({@link #reduceGradients()}), the optimizer
 * updates the primary, and the new weights are copied device to device into every replica
 * ({@link #broadcastWeights()}).
 *
 * <p>Not thread-safe. Closing it closes the replicas, not the primary.
 */
public final class DataParallel implements AutoCloseable {

    private final PolicyModel primary;
    private final List<PolicyModel> replicas;

    private DataParallel(PolicyModel primary, List<PolicyModel> replicas) {
        this.primary = primary;
        this.replicas = replicas;
    }

    /**
     * Replicates {@code primary} onto {@code devices.subList(1, n)}; {@code devices.get(0)} must be the
     * primary's device. One device means no replica (plain single-device training).
     */
    public static DataParallel over(PolicyModel primary, List<Device> devices) {
        if (devices.isEmpty()) {
            throw new IllegalArgumentException("data parallelism needs at least one device");
        }
        if (!devices.get(0).equals(primary.device())) {
            throw new IllegalArgumentException("the first device (" + devices.get(0)
                    + ") must hold the primary model, which is on " + primary.device());
        }
        List<PolicyModel> replicas = new ArrayList<>();
        try {
            for (Device device : devices.subList(1, devices.size())) {
                replicas.add(primary.copyTo(device));
            }
        } catch (RuntimeException e) {
            replicas.forEach(PolicyModel::close);
            throw e;
        }
        return new DataParallel(primary, List.copyOf(replicas));
    }

    /** The models, primary first; shard {@code k} of a micro-batch runs on model {@code k}. */
    public List<PolicyModel> models() {
        List<PolicyModel> all = new ArrayList<>(replicas.size() + 1);
        all.add(primary);
        all.addAll(replicas);
        return all;
    }

    /** Number of models (devices), at least 1. */
    public int size() {
        return replicas.size() + 1;
    }

    /** The model holding the master weights and the optimizer. */
    public PolicyModel primary() {
        return primary;
    }

    /**
     * Contiguous shards {@code [from, to)} of {@code n} examples over {@code parts} models, sizes
     * differing by at most one, larger ones first; fewer shards than models when {@code n < parts}.
     */
    public static List<int[]> shards(int n, int parts) {
        if (n < 0 || parts < 1) {
            throw new IllegalArgumentException("need n >= 0 and parts >= 1, got " + n + ", " + parts);
        }
        List<int[]> out = new ArrayList<>();
        int base = n / parts;
        int extra = n % parts;
        int from = 0;
        for (int k = 0; k < parts && from < n; k++) {
            int size = base + (k < extra ? 1 : 0);
            out.add(new int[] {from, from + size});
            from += size;
        }
        return out;
    }

    /** Adds every replica's gradients into the primary's (all-reduce to the first device), then zeroes them. */
    public void reduceGradients() {
        if (replicas.isEmpty()) {
            return;
        }
        Map<String, NDArray> target = primary.parameters();
        try (GradMode.Scope off = GradMode.off();
                NDScope ignored = new NDScope()) {
            for (PolicyModel replica : replicas) {
                for (Map.Entry<String, NDArray> e : replica.parameters().entrySet()) {
                    NDArray grad = e.getValue().getGradient();
                    NDArray into = target.get(e.getKey()).getGradient();
                    into.addi(grad.getDevice().equals(into.getDevice()) ? grad : grad.toDevice(into.getDevice(), true));
                }
                AdamW.zeroGradients(replica.parameters());
            }
        }
    }

    /** Copies the primary's weights into every replica. */
    public void broadcastWeights() {
        for (PolicyModel replica : replicas) {
            replica.copyWeightsFrom(primary);
        }
    }

    @Override
    public void close() {
        replicas.forEach(PolicyModel::close);
    }
}

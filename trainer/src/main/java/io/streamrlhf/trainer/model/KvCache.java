package io.streamrlhf.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Every layer's attention keys and values for the sequences being decoded, {@code (B, heads, T, headWidth)}, grown
 * by each decoding step, so a step runs the model over its new tokens only. Arrays live in the manager given at
 * construction (the generation's), not in a step's; the previous arrays are closed as they are replaced.
 * {@link PolicyModel#decode} fills it.
 */
public final class KvCache {

    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;

    /** An empty cache for a model of {@code layers} layers, its arrays owned by {@code manager}. */
    public KvCache(NDManager manager, int layers) {
        this.manager = manager;
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
    }

    /** Appends this step's {@code k} and {@code v} along time; returns all keys and values of {@code layer}. */
    NDArray[] append(int layer, NDArray k, NDArray v) {
        keys[layer] = grow(keys[layer], k);
        values[layer] = grow(values[layer], v);
        return new NDArray[] {keys[layer], values[layer]};
    }

    /** Time steps cached so far. */
    public long length() {
        return keys[0] == null ? 0 : keys[0].getShape().get(2);
    }

    private NDArray grow(NDArray cached, NDArray step) {
        NDArray all = cached == null ? step.duplicate() : cached.concat(step, 2);
        all.attach(manager);
        if (cached != null) {
            cached.close();
        }
        return all;
    }
}

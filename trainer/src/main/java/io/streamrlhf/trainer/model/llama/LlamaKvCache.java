package io.streamrlhf.trainer.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Every layer's keys (after the rotation) and values for the sequences a {@link LlamaModel} is decoding,
 * {@code (B, kv_heads, T, head_dim)}, grown by each {@link LlamaModel#decode} step so that a step runs the model
 * over its new tokens only. Arrays live in the manager given at construction; replaced ones are closed.
 */
public final class LlamaKvCache {

    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;

    /** An empty cache for {@code model}, its arrays owned by {@code manager}. */
    public LlamaKvCache(LlamaModel model, NDManager manager) {
        this.manager = manager;
        this.keys = new NDArray[model.config().numHiddenLayers()];
        this.values = new NDArray[keys.length];
    }

    /** Positions cached so far. */
    public long length() {
        return keys[0] == null ? 0 : keys[0].getShape().get(2);
    }

    /** Appends a step's keys and values of {@code layer}; returns all of that layer's keys and values. */
    NDArray[] append(int layer, NDArray k, NDArray v) {
        keys[layer] = grow(keys[layer], k);
        values[layer] = grow(values[layer], v);
        return new NDArray[] {keys[layer], values[layer]};
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

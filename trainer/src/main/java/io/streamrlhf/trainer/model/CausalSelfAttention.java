package io.streamrlhf.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Multi-head causal self-attention: one fused QKV projection, scaled dot product under an additive
 * causal mask, and an output projection.
 *
 * <p>Inputs: {@code x (B, T, D)} and the additive mask {@code (T, T)}; output {@code (B, T, D)}.
 */
public final class CausalSelfAttention extends AbstractBlock {

    private final int width;
    private final int heads;
    private final Linear qkv;
    private final Linear projection;

    /** Creates the block for the given width and head count. */
    public CausalSelfAttention(int width, int heads) {
        this.width = width;
        this.heads = heads;
        this.qkv = addChildBlock("qkv", Linear.builder().setUnits(3L * width).build());
        this.projection = addChildBlock("proj", Linear.builder().setUnits(width).build());
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray fused = project(store, inputs.get(0), training);
        return new NDList(attend(store, fused.get(0), fused.get(1), fused.get(2), inputs.get(1), training));
    }

    /** Queries, keys and values of {@code x (B, T, D)}, stacked: {@code (3, B, H, T, dh)}. */
    private NDArray project(ParameterStore store, NDArray x, boolean training) {
        long batch = x.getShape().get(0);
        long time = x.getShape().get(1);
        return qkv.forward(store, new NDList(x), training)
                .head()
                .reshape(batch, time, 3, heads, width / heads)
                .transpose(2, 0, 3, 1, 4);
    }

    /** Scaled dot-product attention of {@code q} over {@code k, v} (each {@code (B, H, T, dh)}), projected. */
    private NDArray attend(ParameterStore store, NDArray q, NDArray k, NDArray v, NDArray mask, boolean training) {
        long batch = q.getShape().get(0);
        long time = q.getShape().get(2);
        NDArray scores = Scalars.mul(q.matMul(k.transpose(0, 1, 3, 2)), 1.0 / Math.sqrt(width / heads))
                .addi(mask);
        NDArray attended = scores.softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(batch, time, width);
        return projection.forward(store, new NDList(attended), training).head();
    }

    /**
     * One decoding step over the new positions {@code x (B, S, D)}: their keys and values join {@code cache}, and
     * they attend to everything cached under {@code mask (B, 1, S, cached + S)} (additive).
     */
    NDArray decode(ParameterStore store, NDArray x, NDArray mask, KvCache cache, int layer) {
        NDArray fused = project(store, x, false);
        NDArray[] kv = cache.append(layer, fused.get(1), fused.get(2));
        return attend(store, fused.get(0), kv[0], kv[1], mask, false);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape x = inputShapes[0];
        qkv.initialize(manager, dataType, x);
        projection.initialize(manager, dataType, x);
    }
}

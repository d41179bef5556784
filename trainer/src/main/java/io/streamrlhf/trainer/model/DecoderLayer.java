package io.streamrlhf.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * One pre-LN decoder layer: {@code x + attn(ln1(x))}, then {@code x + mlp(ln2(x))} with a GELU MLP.
 */
public final class DecoderLayer extends AbstractBlock {

    private final LayerNorm attentionNorm;
    private final CausalSelfAttention attention;
    private final LayerNorm mlpNorm;
    private final Linear up;
    private final Linear down;

    /** Creates a layer of the given width, head count and MLP hidden width. */
    public DecoderLayer(int width, int heads, int hidden) {
        this.attentionNorm = addChildBlock("ln1", LayerNorm.builder().axis(2).build());
        this.attention = addChildBlock("attn", new CausalSelfAttention(width, heads));
        this.mlpNorm = addChildBlock("ln2", LayerNorm.builder().axis(2).build());
        this.up = addChildBlock("fc1", Linear.builder().setUnits(hidden).build());
        this.down = addChildBlock("fc2", Linear.builder().setUnits(width).build());
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray mask = inputs.get(1);
        NDArray normed = attentionNorm.forward(store, new NDList(x), training).head();
        NDArray h = x.add(
                attention.forward(store, new NDList(normed, mask), training).head());
        NDArray hidden = up.forward(
                        store,
                        new NDList(
                                mlpNorm.forward(store, new NDList(h), training).head()),
                        training)
                .head();
        NDArray out = h.add(down.forward(store, new NDList(Activation.gelu(hidden)), training)
                .head());
        return new NDList(out);
    }

    /** {@link #forwardInternal} for one decoding step, its attention reading and extending {@code cache}. */
    NDArray decode(ParameterStore store, NDArray x, NDArray mask, KvCache cache, int layer) {
        NDArray normed = attentionNorm.forward(store, new NDList(x), false).head();
        NDArray h = x.add(attention.decode(store, normed, mask, cache, layer));
        NDArray hidden = up.forward(
                        store,
                        new NDList(mlpNorm.forward(store, new NDList(h), false).head()),
                        false)
                .head();
        return h.add(
                down.forward(store, new NDList(Activation.gelu(hidden)), false).head());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape x = inputShapes[0];
        attentionNorm.initialize(manager, dataType, x);
        attention.initialize(manager, dataType, inputShapes);
        mlpNorm.initialize(manager, dataType, x);
        up.initialize(manager, dataType, x);
        Shape hiddenShape = up.getOutputShapes(new Shape[] {x})[0];
        down.initialize(manager, dataType, hiddenShape);
    }
}

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
    NDArray x = inputs.get(0);
    NDArray mask = inputs.get(1);
    long batch = x.getShape().get(0);
    long time = x.getShape().get(1);
    int headWidth = width / heads;
    NDArray fused = qkv.forward(store, new NDList(x), training).head()
        .reshape(batch, time, 3, heads, headWidth)
        .transpose(2, 0, 3, 1, 4);
    NDArray q = fused.get(0);
    NDArray k = fused.get(1);
    NDArray v = fused.get(2);
    NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).muli(1.0 / Math.sqrt(headWidth)).addi(mask);
    NDArray attended = scores.softmax(-1).matMul(v)
        .transpose(0, 2, 1, 3)
        .reshape(batch, time, width);
    return projection.forward(store, new NDList(attended), training);
  }

  /**
   * One decoding step over the new positions {@code x (B, S, D)}: their keys and values join {@code cache}, and
   * they attend to everything cached under {@code mask (B, 1, S, cached + S)} (additive).
   */
  NDArray decode(ParameterStore store, NDArray x, NDArray mask, KvCache cache, int layer) {
    long batch = x.getShape().get(0);
    long time = x.getShape().get(1);
    int headWidth = width / heads;
    NDArray fused = qkv.forward(store, new NDList(x), false).head()
        .reshape(batch, time, 3, heads, headWidth)
        .transpose(2, 0, 3, 1, 4);
    NDArray[] kv = cache.append(layer, fused.get(1), fused.get(2));
    NDArray scores = fused.get(0).matMul(kv[0].transpose(0, 1, 3, 2)).muli(1.0 / Math.sqrt(headWidth))
        .addi(mask);
    NDArray attended = scores.softmax(-1).matMul(kv[1])
        .transpose(0, 2, 1, 3)
        .reshape(batch, time, width);
    return projection.forward(store, new NDList(attended), false).head();
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

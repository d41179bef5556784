package io.streamrlhf.trainer.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.streamrlhf.trainer.config.ModelConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * Decoder-only transformer language model as a DJL block.
 *
 * <p>Input: token ids {@code (B, T)} (int64, right-padded). Output: logits {@code (B, T, V)}.
 * Token embedding, learned or sinusoidal positions, {@code layers} pre-LN decoder layers, a final
 * LayerNorm and an LM head tied to the token embedding or separate.
 */
public final class TransformerLM extends AbstractBlock {

    /** The additive mask value of hidden positions (also in the decoding masks the generator builds). */
    public static final float MASKED = -1e9f;

    private final ModelConfig config;
    private final int vocabSize;
    private final Parameter tokenEmbedding;
    private final Parameter positionEmbedding;
    private final List<DecoderLayer> layers = new ArrayList<>();
    private final LayerNorm finalNorm;
    private final Linear lmHead;
    private final float[] sinusoids;

    /** Creates the (uninitialised) block. */
    public TransformerLM(ModelConfig config, int vocabSize) {
        this.config = config;
        this.vocabSize = vocabSize;
        int d = config.width();
        this.tokenEmbedding = addParameter(Parameter.builder()
                .setName("token_embedding")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(vocabSize, d))
                .build());
        if (config.positions() == ModelConfig.Positions.LEARNED) {
            this.positionEmbedding = addParameter(Parameter.builder()
                    .setName("position_embedding")
                    .setType(Parameter.Type.WEIGHT)
                    .optShape(new Shape(config.context(), d))
                    .build());
            this.sinusoids = null;
        } else {
            this.positionEmbedding = null;
            this.sinusoids = sinusoidTable(config.context(), d);
        }
        for (int i = 0; i < config.layers(); i++) {
            layers.add(addChildBlock("layer" + i, new DecoderLayer(d, config.heads(), d * config.mlpRatio())));
        }
        this.finalNorm = addChildBlock("ln_f", LayerNorm.builder().axis(2).build());
        this.lmHead = config.tiedHead()
                ? null
                : addChildBlock(
                        "lm_head",
                        Linear.builder().setUnits(vocabSize).optBias(false).build());
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray tokens = inputs.head();
        NDManager scope = tokens.getManager();
        Device device = tokens.getDevice();
        int time = Math.toIntExact(tokens.getShape().get(1));
        if (time > config.context()) {
            throw new IllegalArgumentException(
                    "sequence of " + time + " tokens exceeds the model context " + config.context());
        }
        NDArray embedding = store.getValue(tokenEmbedding, device, training);
        NDArray x = Embedding.embedding(tokens, embedding, SparseFormat.DENSE).head();
        if (positionEmbedding != null) {
            NDArray table = store.getValue(positionEmbedding, device, training);
            NDArray positions = table.get(new NDIndex("0:" + time));
            positions.attach(scope);
            x = x.add(positions);
        } else {
            float[] slice = new float[time * config.width()];
            System.arraycopy(sinusoids, 0, slice, 0, slice.length);
            x = x.add(scope.create(slice, new Shape(time, config.width())).toDevice(device, false));
        }
        NDArray mask = causalMask(scope, time).toDevice(device, false);
        for (DecoderLayer layer : layers) {
            x = layer.forward(store, new NDList(x, mask), training).head();
        }
        return new NDList(head(store, x, embedding, training));
    }

    /** The final LayerNorm and the LM head (the token embedding, transposed, when tied): logits. */
    private NDArray head(ParameterStore store, NDArray x, NDArray embedding, boolean training) {
        NDArray normed = finalNorm.forward(store, new NDList(x), training).head();
        if (lmHead != null) {
            return lmHead.forward(store, new NDList(normed), training).head();
        }
        NDArray transposed = embedding.transpose();
        transposed.attach(normed.getManager());
        return normed.matMul(transposed);
    }

    /**
     * Logits {@code (B, S, V)} for {@code S} new tokens per row, given what {@code cache} holds of the earlier ones
     * (and adding these). {@code positions (B, S)} are each token's position in its own sequence (rows may be
     * left-padded); {@code mask (B, 1, S, cached + S)} is additive and hides padding and the future. Inference only.
     */
    NDArray decode(ParameterStore store, NDArray tokens, NDArray positions, NDArray mask, KvCache cache) {
        NDManager scope = tokens.getManager();
        Device device = tokens.getDevice();
        NDArray embedding = store.getValue(tokenEmbedding, device, false);
        NDArray x = Embedding.embedding(tokens, embedding, SparseFormat.DENSE).head();
        NDArray table = positionEmbedding != null
                ? store.getValue(positionEmbedding, device, false)
                : scope.create(sinusoids, new Shape(config.context(), config.width()))
                        .toDevice(device, false);
        x = x.add(Embedding.embedding(positions, table, SparseFormat.DENSE).head());
        for (int i = 0; i < layers.size(); i++) {
            x = layers.get(i).decode(store, x, mask, cache, i);
        }
        return head(store, x, embedding, false);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {new Shape(in.get(0), in.get(1), vocabSize)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape in = inputShapes[0];
        Shape hidden = new Shape(in.get(0), in.get(1), config.width());
        Shape mask = new Shape(in.get(1), in.get(1));
        for (DecoderLayer layer : layers) {
            layer.initialize(manager, dataType, hidden, mask);
        }
        finalNorm.initialize(manager, dataType, hidden);
        if (lmHead != null) {
            lmHead.initialize(manager, dataType, hidden);
        }
    }

    /** The model shape. */
    public ModelConfig config() {
        return config;
    }

    private static NDArray causalMask(NDManager manager, int time) {
        float[] mask = new float[time * time];
        for (int i = 0; i < time; i++) {
            for (int j = i + 1; j < time; j++) {
                mask[i * time + j] = MASKED;
            }
        }
        return manager.create(mask, new Shape(time, time));
    }

    private static float[] sinusoidTable(int context, int width) {
        float[] table = new float[context * width];
        for (int pos = 0; pos < context; pos++) {
            for (int i = 0; i < width; i += 2) {
                double angle = pos / Math.pow(10000.0, (double) i / width);
                table[pos * width + i] = (float) Math.sin(angle);
                if (i + 1 < width) {
                    table[pos * width + i + 1] = (float) Math.cos(angle);
                }
            }
        }
        return table;
    }
}

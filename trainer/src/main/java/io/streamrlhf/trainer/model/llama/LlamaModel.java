package io.streamrlhf.trainer.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import io.streamrlhf.trainer.cpu.MklDispatch;
import io.streamrlhf.trainer.hf.HfModelConfig;
import io.streamrlhf.trainer.hf.HfWeights;
import io.streamrlhf.trainer.hf.SafetensorsReader;
import io.streamrlhf.trainer.model.Scalars;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Llama-family decoder (Llama, Llama 3, Mistral, Qwen2, Qwen3) on DJL NDArrays, with its parameters named as
 * Hugging Face names them ({@code model.layers.0.self_attn.q_proj.weight}, ...), all in fp32 whatever the stored
 * dtype.
 *
 * <p>Per layer: {@code h = x + o_proj(attention(rope(q), rope(k), v))} over {@code input_layernorm(x)}, then
 * {@code h + down_proj(silu(gate_proj(n)) * up_proj(n))} over {@code n = post_attention_layernorm(h)}; then the
 * final {@code model.norm} and the LM head ({@code lm_head.weight}, or the token embedding when tied). RMSNorm is
 * {@code w * x / sqrt(mean(x^2) + eps)}; attention is grouped (query head {@code h} reads key/value head
 * {@code h / (heads / kv_heads)}), causal, scaled by {@code head_dim^-0.5}; Qwen3 applies its per-head RMSNorms to
 * queries and keys before the rotation. {@link #logits} is differentiable: with {@link #setTrainable} on, a
 * backward pass inside a gradient collector fills the parameters' gradients.
 *
 * <p>Not thread-safe; close it to free the weights.
 */
public final class LlamaModel implements AutoCloseable {

    /** The additive mask value of hidden keys: finite, so a fully hidden (padding) row stays finite. */
    static final float MASKED = -1e9f;

    private final HfModelConfig config;
    private final NDManager manager;
    private final Map<String, NDArray> parameters;
    private final Rotary rotary;
    private LoraAdapters adapters;

    private LlamaModel(HfModelConfig config, NDManager manager, Map<String, NDArray> parameters) {
        this.config = config;
        this.manager = manager;
        this.parameters = Collections.unmodifiableMap(parameters);
        this.rotary = new Rotary(config);
    }

    /**
     * Loads {@code dir}'s {@code config.json} and safetensors weights into a sub-manager of {@code parent}.
     *
     * @throws IOException when a file is missing, unreadable or hostile, or a weight is missing, unexpected or of
     *     the wrong shape
     * @throws io.streamrlhf.trainer.hf.ModelConfigException when the config names something unsupported
     */
    public static LlamaModel load(Path dir, NDManager parent) throws IOException {
        HfModelConfig config = HfModelConfig.load(dir);
        try (HfWeights weights = HfWeights.open(dir)) {
            return load(config, weights, parent);
        }
    }

    /** Loads {@code weights} for {@code config} into a sub-manager of {@code parent}. */
    public static LlamaModel load(HfModelConfig config, HfWeights weights, NDManager parent) throws IOException {
        MklDispatch.ensureLoaded();
        Map<String, long[]> expected = expectedShapes(config);
        for (String name : weights.names()) {
            if (!expected.containsKey(name) && !ignorable(config, name)) {
                throw new IOException("unexpected tensor '" + name + "' for a "
                        + config.modelType().configName()
                        + " model with this config (a config field and the weights disagree)");
            }
        }
        NDManager manager = parent.newSubManager();
        try {
            Map<String, NDArray> params = new LinkedHashMap<>();
            for (Map.Entry<String, long[]> e : expected.entrySet()) {
                SafetensorsReader.TensorInfo info = weights.info(e.getKey());
                if (info == null) {
                    throw new IOException("missing tensor '" + e.getKey() + "'");
                }
                if (!Arrays.equals(info.shape(), e.getValue())) {
                    throw new IOException("tensor '" + e.getKey() + "' has shape " + Arrays.toString(info.shape())
                            + ", the config needs " + Arrays.toString(e.getValue()));
                }
                // Decoded straight into a direct buffer, which the CPU tensor then uses as its storage: loading
                // through a float[] left the whole model as heap garbage next to the weights (the peak memory
                // of a 0.5 B model went from 2 GB of weights to about 7 GB).
                long count = 1;
                for (long d : e.getValue()) {
                    count *= d;
                }
                ByteBuffer buffer = ByteBuffer.allocateDirect(Math.toIntExact(count * Float.BYTES))
                        .order(ByteOrder.nativeOrder());
                weights.readFloats(e.getKey(), buffer.asFloatBuffer());
                NDArray array = manager.create(buffer, new Shape(e.getValue()), DataType.FLOAT32);
                array.setName(e.getKey());
                params.put(e.getKey(), array);
            }
            return new LlamaModel(config, manager, params);
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Every weight the config needs, by Hugging Face name, with its shape, in a fixed order. */
    public static Map<String, long[]> expectedShapes(HfModelConfig c) {
        Map<String, long[]> s = new LinkedHashMap<>();
        long d = c.hiddenSize();
        long q = (long) c.numAttentionHeads() * c.headDim();
        long kv = (long) c.numKeyValueHeads() * c.headDim();
        s.put("model.embed_tokens.weight", new long[] {c.vocabSize(), d});
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            s.put(p + "input_layernorm.weight", new long[] {d});
            s.put(p + "self_attn.q_proj.weight", new long[] {q, d});
            s.put(p + "self_attn.k_proj.weight", new long[] {kv, d});
            s.put(p + "self_attn.v_proj.weight", new long[] {kv, d});
            if (c.qkvBias()) {
                s.put(p + "self_attn.q_proj.bias", new long[] {q});
                s.put(p + "self_attn.k_proj.bias", new long[] {kv});
                s.put(p + "self_attn.v_proj.bias", new long[] {kv});
            }
            if (c.qkNorm()) {
                s.put(p + "self_attn.q_norm.weight", new long[] {c.headDim()});
                s.put(p + "self_attn.k_norm.weight", new long[] {c.headDim()});
            }
            s.put(p + "self_attn.o_proj.weight", new long[] {d, q});
            if (c.outputBias()) {
                s.put(p + "self_attn.o_proj.bias", new long[] {d});
            }
            s.put(p + "post_attention_layernorm.weight", new long[] {d});
            s.put(p + "mlp.gate_proj.weight", new long[] {c.intermediateSize(), d});
            s.put(p + "mlp.up_proj.weight", new long[] {c.intermediateSize(), d});
            s.put(p + "mlp.down_proj.weight", new long[] {d, c.intermediateSize()});
        }
        s.put("model.norm.weight", new long[] {d});
        if (!c.tieWordEmbeddings()) {
            s.put("lm_head.weight", new long[] {c.vocabSize(), d});
        }
        return s;
    }

    /** Tensors checkpoints carry that do not change the math: a tied head's copy, old rotary buffers. */
    private static boolean ignorable(HfModelConfig c, String name) {
        return (c.tieWordEmbeddings() && name.equals("lm_head.weight")) || name.endsWith(".rotary_emb.inv_freq");
    }

    /** The config. */
    public HfModelConfig config() {
        return config;
    }

    /** The parameters by Hugging Face name, in a fixed order. */
    public Map<String, NDArray> parameters() {
        return parameters;
    }

    /** Number of scalars in the parameters. */
    public long parameterCount() {
        return parameters.values().stream().mapToLong(NDArray::size).sum();
    }

    /** The manager owning the weights (and attached adapters); generation makes its scratch sub-managers here. */
    public NDManager manager() {
        return manager;
    }

    /**
     * Attaches LoRA adapters made for this model (replacing any attached before): while they are enabled, every
     * projection they target adds their output. The base weights are not changed.
     */
    public void attach(LoraAdapters adapters) {
        this.adapters = adapters;
    }

    /** The attached adapters, or null. */
    public LoraAdapters adapters() {
        return adapters;
    }

    /** Turns gradient recording on or off for every base parameter (off after loading: LoRA trains adapters only). */
    public void setTrainable(boolean trainable) {
        parameters.values().forEach(p -> p.setRequiresGradient(trainable));
    }

    /** Logits {@code (B, T, V)} for token ids {@code (B, T)}, every row a full sequence from position 0. */
    public NDArray logits(NDArray tokens) {
        return logits(tokens, null);
    }

    /**
     * Logits {@code (B, T, V)} for token ids {@code (B, T)} (int64) under {@code attentionMask (B, T)} (1 for a
     * token, 0 for padding; null for none). Padded keys are hidden from every query and each token's rotary
     * position counts only the tokens before it, so a left-padded row gives its tokens the logits of the unpadded
     * sequence; the logits at padded positions are meaningless. Results live in the tokens' manager.
     */
    public NDArray logits(NDArray tokens, NDArray attentionMask) {
        return logits(tokens, attentionMask, false);
    }

    /**
     * {@link #logits(NDArray, NDArray)}, in training mode when {@code training} (LoRA dropout is applied then; the
     * base has no dropout).
     */
    public NDArray logits(NDArray tokens, NDArray attentionMask, boolean training) {
        return forward(tokens, attentionMask, null, training, 0);
    }

    /**
     * The logits {@code (B, T - fromColumn, V)} of columns {@code fromColumn .. T-1} only, as
     * {@link #logits(NDArray, NDArray, boolean)} gives them for those columns: the LM head (a product with the whole
     * vocabulary, and everything downstream of it: log-softmax, gather and their gradients) runs only where a caller
     * scores tokens, as TRL's {@code logits_to_keep} does. The decoder layers still run over every column.
     *
     * @throws IllegalArgumentException unless {@code 0 <= fromColumn < T}
     */
    public NDArray logits(NDArray tokens, NDArray attentionMask, boolean training, long fromColumn) {
        long time = tokens.getShape().get(1);
        if (fromColumn < 0 || fromColumn >= time) {
            throw new IllegalArgumentException("first kept column " + fromColumn + " outside 0.." + (time - 1));
        }
        return forward(tokens, attentionMask, null, training, fromColumn);
    }

    /**
     * One step of cached decoding: logits {@code (B, S, V)} for {@code S} new tokens per row, given what
     * {@code cache} holds of the earlier ones (and adding these to it). {@code attentionMask (B, cached + S)} covers
     * every position so far (1 for a token, 0 for left padding; null when there is none), as in Hugging Face's
     * {@code generate}. The logits equal those of {@link #logits(NDArray, NDArray)} over the whole sequence.
     * Inference only; results live in the tokens' manager.
     */
    public NDArray decode(NDArray tokens, NDArray attentionMask, LlamaKvCache cache) {
        return forward(tokens, attentionMask, cache, false, 0);
    }

    private NDArray forward(
            NDArray tokens, NDArray attentionMask, LlamaKvCache cache, boolean training, long fromColumn) {
        NDManager scope = tokens.getManager();
        int rows = Math.toIntExact(tokens.getShape().get(0));
        int time = Math.toIntExact(tokens.getShape().get(1));
        int cached = cache == null ? 0 : Math.toIntExact(cache.length());
        int total = cached + time;
        if (config.slidingWindow() != null && total > config.slidingWindow()) {
            throw new IllegalArgumentException("sequence of " + total + " tokens exceeds the sliding window "
                    + config.slidingWindow() + ", which this implementation does not apply");
        }
        long[] keep = attentionMask == null
                ? null
                : attentionMask.toType(DataType.INT64, false).toLongArray();
        if (keep != null && keep.length != (long) rows * total) {
            throw new IllegalArgumentException("attention mask " + attentionMask.getShape() + " does not cover the "
                    + cached + " cached and " + time + " new positions of " + rows + " rows");
        }
        long[] positions = new long[rows * time];
        float[] mask = new float[rows * time * total];
        for (int b = 0; b < rows; b++) {
            long seen = 0;
            for (int k = 0; k < cached; k++) {
                seen += keep == null || keep[b * total + k] != 0 ? 1 : 0;
            }
            for (int t = 0; t < time; t++) {
                int at = cached + t;
                boolean real = keep == null || keep[b * total + at] != 0;
                positions[b * time + t] = real ? seen : 0;
                if (real) {
                    seen++;
                }
                for (int k = 0; k < total; k++) {
                    boolean hidden = k > at || (keep != null && keep[b * total + k] == 0);
                    mask[(b * time + t) * total + k] = hidden ? MASKED : 0f;
                }
            }
        }
        float[][] tables = rotary.tables(positions);
        // rotate_half(x) * sin = concat(-x2, x1) * sin = concat(x2, x1) * concat(-sin1, sin2): the sign goes into
        // the table, so rotate() swaps the halves with one flip and no negation (see rotate).
        float[] signedSin = tables[1];
        int half = config.headDim() / 2;
        for (int at = 0; at < signedSin.length; at += config.headDim()) {
            for (int i = at; i < at + half; i++) {
                signedSin[i] = -signedSin[i];
            }
        }
        Shape tableShape = new Shape(rows, 1, time, config.headDim());
        NDArray cos = scope.create(tables[0], tableShape).toDevice(tokens.getDevice(), false);
        NDArray sin = scope.create(signedSin, tableShape).toDevice(tokens.getDevice(), false);
        NDArray additiveMask =
                scope.create(mask, new Shape(rows, 1, time, total)).toDevice(tokens.getDevice(), false);

        NDArray embedding = parameters.get("model.embed_tokens.weight");
        NDArray x = Embedding.embedding(tokens, embedding, SparseFormat.DENSE).head();
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            x = layer(i, x, cos, sin, additiveMask, cache, training);
        }
        if (fromColumn > 0) {
            // The final norm is per token: slicing before it leaves the kept columns' values unchanged.
            x = x.get(new NDIndex(":, {}:, :", fromColumn));
        }
        NDArray normed = rmsNorm(x, parameters.get("model.norm.weight"));
        NDArray head = config.tieWordEmbeddings() ? embedding : parameters.get("lm_head.weight");
        return Linear.linear(normed, head).head();
    }

    private NDArray layer(
            int i, NDArray x, NDArray cos, NDArray sin, NDArray mask, LlamaKvCache cache, boolean training) {
        String p = "model.layers." + i + ".";
        NDArray h = x.add(attention(
                p + "self_attn.", rmsNorm(x, param(p + "input_layernorm.weight")), cos, sin, mask, cache, i, training));
        NDArray n = rmsNorm(h, param(p + "post_attention_layernorm.weight"));
        NDArray gate = project(n, p + "mlp.gate_proj", training);
        NDArray up = project(n, p + "mlp.up_proj", training);
        NDArray act = gate.mul(Activation.sigmoid(gate)).mul(up);
        return h.add(project(act, p + "mlp.down_proj", training));
    }

    private NDArray attention(
            String p,
            NDArray x,
            NDArray cos,
            NDArray sin,
            NDArray mask,
            LlamaKvCache cache,
            int layer,
            boolean training) {
        long rows = x.getShape().get(0);
        long time = x.getShape().get(1);
        int heads = config.numAttentionHeads();
        int kvHeads = config.numKeyValueHeads();
        int headDim = config.headDim();
        NDArray q = project(x, p + "q_proj", training).reshape(rows, time, heads, headDim);
        NDArray k = project(x, p + "k_proj", training).reshape(rows, time, kvHeads, headDim);
        NDArray v = project(x, p + "v_proj", training).reshape(rows, time, kvHeads, headDim);
        if (config.qkNorm()) {
            q = rmsNorm(q, param(p + "q_norm.weight"));
            k = rmsNorm(k, param(p + "k_norm.weight"));
        }
        q = rotate(q.transpose(0, 2, 1, 3), cos, sin);
        k = rotate(k.transpose(0, 2, 1, 3), cos, sin);
        v = v.transpose(0, 2, 1, 3);
        if (cache != null) {
            NDArray[] kv = cache.append(layer, k, v);
            k = kv[0];
            v = kv[1];
        }
        long keys = k.getShape().get(2);
        // Grouped queries: query head h = g * group + j reads key/value head g. Folding each group's heads into
        // the time axis lets one batched product serve the group without copying keys and values per head.
        int group = heads / kvHeads;
        NDArray scores = Scalars.mul(
                        q.reshape(rows, kvHeads, group * time, headDim).matMul(k.transpose(0, 1, 3, 2)),
                        1.0 / Math.sqrt(headDim))
                .reshape(rows, heads, time, keys)
                .add(mask);
        NDArray attended = scores.softmax(-1)
                .reshape(rows, kvHeads, group * time, keys)
                .matMul(v)
                .reshape(rows, heads, time, headDim)
                .transpose(0, 2, 1, 3)
                .reshape(rows, time, (long) heads * headDim);
        return project(attended, p + "o_proj", training);
    }

    /** The projection {@code name} of {@code x}, plus its LoRA adapter's {@code scaling * B(A(dropout(x)))}. */
    private NDArray project(NDArray x, String name, boolean training) {
        NDArray bias = parameters.get(name + ".bias");
        NDArray weight = param(name + ".weight");
        NDArray y = (bias == null ? Linear.linear(x, weight) : Linear.linear(x, weight, bias)).head();
        LoraAdapters.Module lora = adapters == null || !adapters.isEnabled() ? null : adapters.module(name);
        if (lora == null) {
            return y;
        }
        LoraConfig c = adapters.config();
        NDArray in = training && c.dropout() > 0
                ? Dropout.dropout(x, (float) c.dropout(), true).head()
                : x;
        // PEFT's B(A(x)) * scaling, with the scaling applied to the rank-r intermediate: the same product, on a
        // tensor out/r times smaller, forward and backward.
        NDArray low = Scalars.mul(Linear.linear(in, lora.a()).head(), c.scaling());
        return y.add(Linear.linear(low, lora.b()).head());
    }

    /**
     * {@code x * cos + rotate_half(x) * sin} with {@code signedSin} the sines with their first half negated: the
     * halves swap with one flip, whose backward is a flip too (splitting and concatenating cost zero-filled buffers
     * and copies in the backward).
     */
    private NDArray rotate(NDArray x, NDArray cos, NDArray signedSin) {
        Shape shape = x.getShape();
        long half = config.headDim() / 2;
        NDArray swapped = x.reshape(shape.get(0), shape.get(1), shape.get(2), 2, half)
                .flip(3)
                .reshape(shape);
        return x.mul(cos).add(swapped.mul(signedSin));
    }

    private NDArray rmsNorm(NDArray x, NDArray weight) {
        // x * (mean(x^2) + eps)^-1/2: a product with the per-row factor, not a division by it, whose backward
        // (gradients of numerator and denominator over the whole activation) costs more.
        NDArray meanSquare = x.square().mean(new int[] {-1}, true);
        return x.mul(Scalars.pow(meanSquare.add(config.rmsNormEps()), -0.5)).mul(weight);
    }

    private NDArray param(String name) {
        NDArray a = parameters.get(name);
        if (a == null) {
            throw new IllegalStateException("no parameter " + name);
        }
        return a;
    }

    @Override
    public void close() {
        manager.close();
    }
}

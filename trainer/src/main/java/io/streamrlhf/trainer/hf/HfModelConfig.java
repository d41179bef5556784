package io.streamrlhf.trainer.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A Llama-family model's {@code config.json}, as Hugging Face's {@code LlamaConfig}, {@code MistralConfig},
 * {@code Qwen2Config} and {@code Qwen3Config} define it, reduced to what changes the math.
 *
 * <p>Per family: Llama has q/k/v/o biases when {@code attention_bias}; Qwen2 always has q/k/v biases and no o
 * bias; Qwen3 has per-head RMSNorms on queries and keys ({@code q_norm}, {@code k_norm}) and biases when
 * {@code attention_bias}; Mistral has neither. {@code head_dim} is read where given, else
 * {@code hidden_size / num_attention_heads}. Options that change the result and are not implemented fail in
 * {@link #parse} with a {@link ModelConfigException} naming the field.
 *
 * @param modelType the family
 * @param hiddenSize model width
 * @param intermediateSize MLP width
 * @param numHiddenLayers decoder layers
 * @param numAttentionHeads query heads
 * @param numKeyValueHeads key/value heads (grouped-query attention when fewer than the query heads)
 * @param headDim width of one head
 * @param rmsNormEps the RMSNorms' epsilon
 * @param ropeTheta the rotary base
 * @param ropeScaling Llama 3's frequency scaling, or null for none
 * @param tieWordEmbeddings whether the LM head is the token embedding
 * @param vocabSize vocabulary size
 * @param qkvBias whether q, k and v projections have biases
 * @param outputBias whether the o projection has a bias
 * @param qkNorm whether queries and keys get per-head RMSNorms (Qwen3)
 * @param slidingWindow Mistral's attention window, or null; sequences longer than it are refused
 * @param maxPositionEmbeddings the trained context, or null when not given
 * @param bosTokenId beginning-of-sequence id, or null
 * @param eosTokenIds end-of-sequence ids (any of them ends a generation), possibly empty
 * @param torchDtype the stored weights' dtype as the config names it, or null
 */
public record HfModelConfig(
        ModelType modelType,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean tieWordEmbeddings,
        int vocabSize,
        boolean qkvBias,
        boolean outputBias,
        boolean qkNorm,
        Integer slidingWindow,
        Integer maxPositionEmbeddings,
        Integer bosTokenId,
        List<Integer> eosTokenIds,
        String torchDtype) {

    /** The supported {@code model_type}s. */
    public enum ModelType {
        LLAMA,
        MISTRAL,
        QWEN2,
        QWEN3;

        /** The {@code model_type} string. */
        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Llama 3's {@code rope_scaling} ({@code rope_type: llama3}): frequencies whose wavelength exceeds
     * {@code originalMaxPositionEmbeddings / lowFreqFactor} are divided by {@code factor}, those shorter than
     * {@code originalMaxPositionEmbeddings / highFreqFactor} are kept, and those between are interpolated.
     *
     * @param factor the division of low frequencies
     * @param lowFreqFactor the low-frequency bound's divisor
     * @param highFreqFactor the high-frequency bound's divisor
     * @param originalMaxPositionEmbeddings the context the frequencies were trained for
     */
    public record RopeScaling(
            double factor, double lowFreqFactor, double highFreqFactor, double originalMaxPositionEmbeddings) {}

    /** Validates the shape. */
    public HfModelConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new ModelConfigException(
                    "num_key_value_heads",
                    numKeyValueHeads + " does not divide num_attention_heads " + numAttentionHeads);
        }
        if (headDim % 2 != 0) {
            throw new ModelConfigException("head_dim", headDim + " is odd; rotary embeddings need pairs");
        }
    }

    /** Reads {@code dir/config.json}. */
    public static HfModelConfig load(Path dir) throws IOException {
        Path file = dir.resolve("config.json");
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IOException(file + ": not a JSON object");
        }
        return parse(root);
    }

    /**
     * The config of a parsed {@code config.json}.
     *
     * @throws ModelConfigException naming the field that is missing, malformed or unsupported
     */
    public static HfModelConfig parse(JsonNode c) {
        String typeName = text(c, "model_type");
        if (typeName == null) {
            throw new ModelConfigException("model_type", "missing");
        }
        ModelType type = null;
        for (ModelType t : ModelType.values()) {
            if (t.configName().equals(typeName)) {
                type = t;
            }
        }
        if (type == null) {
            throw new ModelConfigException(
                    "model_type", "'" + typeName + "' is not supported (supported: llama, mistral, qwen2, qwen3)");
        }
        String act = text(c, "hidden_act");
        if (act != null && !act.equals("silu")) {
            throw new ModelConfigException("hidden_act", "'" + act + "' is not supported (only silu)");
        }
        if (bool(c, "mlp_bias", false)) {
            throw new ModelConfigException("mlp_bias", "true is not supported (MLP projections without bias only)");
        }
        double dropout = number(c, "attention_dropout", 0.0);
        if (dropout != 0.0) {
            throw new ModelConfigException("attention_dropout", dropout + " is not supported (only 0)");
        }
        Integer slidingWindow = null;
        if (type == ModelType.QWEN2 || type == ModelType.QWEN3) {
            // Qwen configs carry a sliding_window that only applies when use_sliding_window is true.
            if (bool(c, "use_sliding_window", false)) {
                throw new ModelConfigException("use_sliding_window", "true is not supported (full attention only)");
            }
        } else if (type == ModelType.MISTRAL) {
            slidingWindow = optionalPositive(c, "sliding_window");
        }
        int hidden = positive(c, "hidden_size");
        int heads = positive(c, "num_attention_heads");
        Integer kv = optionalPositive(c, "num_key_value_heads");
        Integer headDim = optionalPositive(c, "head_dim");
        if (headDim == null) {
            if (hidden % heads != 0) {
                throw new ModelConfigException(
                        "head_dim", "absent, and hidden_size " + hidden + " is not a multiple of " + heads + " heads");
            }
            headDim = hidden / heads;
        }
        JsonNode ropeParameters = c.get("rope_parameters");
        JsonNode ropeNode =
                ropeParameters != null && ropeParameters.isObject() ? ropeParameters : c.get("rope_scaling");
        double ropeTheta = ropeParameters != null && ropeParameters.has("rope_theta")
                ? number(ropeParameters, "rope_theta", 10000.0)
                : number(c, "rope_theta", 10000.0);
        boolean attentionBias = bool(c, "attention_bias", false);
        boolean qkvBias = switch (type) {
            case QWEN2 -> true;
            case LLAMA, QWEN3 -> attentionBias;
            case MISTRAL -> false;
        };
        boolean outputBias = (type == ModelType.LLAMA || type == ModelType.QWEN3) && attentionBias;
        return new HfModelConfig(
                type,
                hidden,
                positive(c, "intermediate_size"),
                positive(c, "num_hidden_layers"),
                heads,
                kv == null ? heads : kv,
                headDim,
                number(c, "rms_norm_eps", 1e-6),
                ropeTheta,
                ropeScaling(ropeNode),
                bool(c, "tie_word_embeddings", false),
                positive(c, "vocab_size"),
                qkvBias,
                outputBias,
                type == ModelType.QWEN3,
                slidingWindow,
                optionalPositive(c, "max_position_embeddings"),
                tokenIds(c, "bos_token_id").stream().findFirst().orElse(null),
                tokenIds(c, "eos_token_id"),
                text(c, "torch_dtype") != null ? text(c, "torch_dtype") : text(c, "dtype"));
    }

    private static RopeScaling ropeScaling(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw new ModelConfigException("rope_scaling", node + " is not an object or null");
        }
        String kind = text(node, "rope_type") != null ? text(node, "rope_type") : text(node, "type");
        if (kind == null || kind.equals("default")) {
            return null;
        }
        if (!kind.equals("llama3")) {
            throw new ModelConfigException(
                    "rope_scaling.rope_type", "'" + kind + "' is not supported (only default and llama3)");
        }
        RopeScaling s = new RopeScaling(
                requiredNumber(node, "rope_scaling.factor", "factor"),
                requiredNumber(node, "rope_scaling.low_freq_factor", "low_freq_factor"),
                requiredNumber(node, "rope_scaling.high_freq_factor", "high_freq_factor"),
                requiredNumber(
                        node, "rope_scaling.original_max_position_embeddings", "original_max_position_embeddings"));
        if (s.factor() <= 0
                || s.lowFreqFactor() <= 0
                || s.highFreqFactor() <= s.lowFreqFactor()
                || s.originalMaxPositionEmbeddings() <= 0) {
            throw new ModelConfigException(
                    "rope_scaling", "llama3 needs factor > 0 and 0 < low_freq_factor < high_freq_factor, got " + node);
        }
        return s;
    }

    private static List<Integer> tokenIds(JsonNode c, String field) {
        JsonNode n = c.get(field);
        List<Integer> ids = new ArrayList<>();
        if (n == null || n.isNull()) {
            return ids;
        }
        if (n.isArray()) {
            n.forEach(id -> ids.add(tokenId(field, id)));
        } else {
            ids.add(tokenId(field, n));
        }
        return ids;
    }

    private static int tokenId(String field, JsonNode id) {
        if (!id.isIntegralNumber() || !id.canConvertToInt() || id.asInt() < 0) {
            throw new ModelConfigException(field, id + " is not a token id");
        }
        return id.asInt();
    }

    private static String text(JsonNode c, String field) {
        JsonNode n = c.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw new ModelConfigException(field, n + " is not a string");
        }
        return n.asText();
    }

    private static boolean bool(JsonNode c, String field, boolean absent) {
        JsonNode n = c.get(field);
        if (n == null || n.isNull()) {
            return absent;
        }
        if (!n.isBoolean()) {
            throw new ModelConfigException(field, n + " is not true or false");
        }
        return n.asBoolean();
    }

    private static double number(JsonNode c, String field, double absent) {
        JsonNode n = c.get(field);
        if (n == null || n.isNull()) {
            return absent;
        }
        if (!n.isNumber() || !Double.isFinite(n.asDouble())) {
            throw new ModelConfigException(field, n + " is not a finite number");
        }
        return n.asDouble();
    }

    private static double requiredNumber(JsonNode c, String path, String field) {
        if (c.get(field) == null || c.get(field).isNull()) {
            throw new ModelConfigException(path, "missing");
        }
        try {
            return number(c, field, 0);
        } catch (ModelConfigException e) {
            throw new ModelConfigException(path, c.get(field) + " is not a finite number");
        }
    }

    private static int positive(JsonNode c, String field) {
        Integer v = optionalPositive(c, field);
        if (v == null) {
            throw new ModelConfigException(field, "missing");
        }
        return v;
    }

    private static Integer optionalPositive(JsonNode c, String field) {
        JsonNode n = c.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() <= 0) {
            throw new ModelConfigException(field, n + " is not a positive integer");
        }
        return n.asInt();
    }
}

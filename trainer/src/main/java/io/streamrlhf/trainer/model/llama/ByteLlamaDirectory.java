package io.streamrlhf.trainer.model.llama;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamrlhf.trainer.hf.DType;
import io.streamrlhf.trainer.hf.HfModelConfig;
import io.streamrlhf.trainer.hf.HfWeights;
import io.streamrlhf.trainer.hf.SafetensorsWriter;
import io.streamrlhf.trainer.tokenizer.ByteTokenizer;
import io.streamrlhf.trainer.tokenizer.ByteTokenizerFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

/**
 * Writes a small randomly initialised Llama model directory over the byte vocabulary: {@code config.json},
 * {@code model.safetensors} and the byte tokenizer as {@code tokenizer.json} and {@code tokenizer_config.json}
 * ({@link ByteTokenizerFiles}). A complete Hugging Face directory that the trainer, the sampler and
 * {@code streamrlhf generate} load like any other, for trying the Hugging Face path without downloading a model.
 */
public final class ByteLlamaDirectory {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ByteLlamaDirectory() {}

    /**
     * Writes the directory (created when missing).
     *
     * @param layers decoder layers
     * @param hidden hidden width, a multiple of 8 (4 query heads over 2 key/value heads)
     * @param context {@code max_position_embeddings}
     * @param seed seed of the weights
     */
    public static Path write(Path dir, int layers, int hidden, int context, long seed) throws IOException {
        return write(dir, layers, hidden, context, seed, 0.2);
    }

    /**
     * Writes the directory (created when missing) with weights of standard deviation {@code std} (norm scales 1).
     *
     * @param std the weights' standard deviation: Hugging Face's {@code initializer_range} (0.02) for a model to be
     *     trained from scratch; larger for a random model whose outputs should depend visibly on its weights
     */
    public static Path write(Path dir, int layers, int hidden, int context, long seed, double std) throws IOException {
        if (layers < 1 || hidden < 8 || hidden % 8 != 0 || context < 8) {
            throw new IllegalArgumentException("need layers >= 1, hidden a multiple of 8 and context >= 8, got "
                    + layers + ", " + hidden + ", " + context);
        }
        Files.createDirectories(dir);
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama");
        c.put("hidden_size", hidden);
        c.put("intermediate_size", hidden * 3);
        c.put("num_hidden_layers", layers);
        c.put("num_attention_heads", 4);
        c.put("num_key_value_heads", 2);
        c.put("rms_norm_eps", 1e-5);
        c.put("rope_theta", 10000.0);
        c.put("hidden_act", "silu");
        c.put("tie_word_embeddings", false);
        c.put("vocab_size", ByteTokenizer.VOCAB_SIZE);
        c.put("max_position_embeddings", context);
        c.put("bos_token_id", ByteTokenizer.BOS);
        c.put("eos_token_id", ByteTokenizer.EOS);
        c.put("torch_dtype", "float32");
        c.put("initializer_range", std);
        JSON.writeValue(dir.resolve("config.json").toFile(), c);
        HfModelConfig config = HfModelConfig.parse(c);
        Random random = new Random(seed);
        SafetensorsWriter weights = new SafetensorsWriter().metadata("format", "pt");
        for (Map.Entry<String, long[]> e : LlamaModel.expectedShapes(config).entrySet()) {
            long count = 1;
            for (long d : e.getValue()) {
                count *= d;
            }
            float[] values = new float[Math.toIntExact(count)];
            boolean norm = e.getKey().endsWith("norm.weight");
            for (int i = 0; i < values.length; i++) {
                values[i] = norm ? 1f : (float) (std * random.nextGaussian());
            }
            weights.add(e.getKey(), DType.F32, e.getValue(), values);
        }
        weights.write(dir.resolve(HfWeights.SINGLE_FILE));
        ByteTokenizerFiles.write(dir);
        return dir;
    }
}

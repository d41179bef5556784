package io.streamrlhf.trainer.model.llama;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamrlhf.trainer.hf.DType;
import io.streamrlhf.trainer.hf.HfModelConfig;
import io.streamrlhf.trainer.hf.SafetensorsWriter;
import io.streamrlhf.trainer.tokenizer.ByteTokenizerFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes tiny random Hugging Face model directories (config.json + safetensors) of each supported variant, and a
 * byte-vocabulary Llama with tokenizer files for tests of other packages.
 */
public final class TinyLlamaModels {

    static final ObjectMapper JSON = new ObjectMapper();

    private TinyLlamaModels() {}

    /** A variant: its config.json, the dtype its weights are stored in, and whether they go into two shards. */
    record Variant(String name, ObjectNode config, DType dtype, boolean sharded) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Variant> variants() {
        List<Variant> v = new ArrayList<>();
        // Llama: untied head, grouped-query attention (4 query heads over 2 key/value heads).
        v.add(new Variant("llama-gqa-untied", base("llama", 32, 4, 2, false), DType.F32, false));
        // Llama 3: rope_scaling llama3 with an original context of 64, so that head_dim 16's frequencies fall in
        // all three bands (kept, interpolated, divided); tied head; attention_bias on q, k, v and o.
        ObjectNode llama3 = base("llama", 32, 4, 4, true);
        llama3.put("rope_theta", 10000.0);
        llama3.put("attention_bias", true);
        ObjectNode scaling = llama3.putObject("rope_scaling");
        scaling.put("rope_type", "llama3");
        scaling.put("factor", 8.0);
        scaling.put("low_freq_factor", 1.0);
        scaling.put("high_freq_factor", 4.0);
        scaling.put("original_max_position_embeddings", 64);
        v.add(new Variant("llama3-rope-scaling-tied-bias", llama3, DType.F32, false));
        // Qwen2: q/k/v biases (no o bias), one key/value head for four query heads, weights in two shards.
        ObjectNode qwen2 = base("qwen2", 32, 4, 1, false);
        qwen2.put("rope_theta", 1000000.0);
        qwen2.put("sliding_window", 32768);
        qwen2.put("use_sliding_window", false);
        v.add(new Variant("qwen2-bias-sharded", qwen2, DType.F32, true));
        // Qwen3: per-head q/k RMSNorm, explicit head_dim 12 while hidden/heads is 8, tied, stored in bf16.
        ObjectNode qwen3 = base("qwen3", 32, 4, 2, true);
        qwen3.put("head_dim", 12);
        qwen3.put("rope_theta", 1000000.0);
        qwen3.put("attention_bias", false);
        v.add(new Variant("qwen3-qknorm-headdim-bf16", qwen3, DType.BF16, false));
        // Mistral: stored in fp16, with a sliding window longer than any test sequence.
        ObjectNode mistral = base("mistral", 32, 4, 2, false);
        mistral.put("sliding_window", 4096);
        v.add(new Variant("mistral-f16", mistral, DType.F16, false));
        return v;
    }

    static ObjectNode base(String type, int hidden, int heads, int kvHeads, boolean tied) {
        ObjectNode c = JSON.createObjectNode();
        c.put("model_type", type);
        c.put("hidden_size", hidden);
        c.put("intermediate_size", 48);
        c.put("num_hidden_layers", 2);
        c.put("num_attention_heads", heads);
        c.put("num_key_value_heads", kvHeads);
        c.put("rms_norm_eps", 1e-5);
        c.put("hidden_act", "silu");
        c.put("tie_word_embeddings", tied);
        c.put("vocab_size", 61);
        c.put("max_position_embeddings", 128);
        c.put("bos_token_id", 1);
        c.putArray("eos_token_id").add(2).add(3);
        c.put("torch_dtype", "float32");
        return c;
    }

    /**
     * A tiny random Llama (2 layers, hidden 32, grouped-query attention) over {@code ByteTokenizer}'s 260 ids, with
     * its {@code tokenizer.json} and {@code tokenizer_config.json} (whose chat template wraps a prompt as the byte
     * model does): a complete model directory the trainer and sampler can load.
     */
    public static Path writeByteLlama(Path dir, long seed) throws IOException {
        ObjectNode config = base("llama", 32, 4, 2, false);
        config.put("vocab_size", 260);
        config.put("bos_token_id", 256);
        config.put("eos_token_id", 257);
        write(new Variant("byte-llama", config, DType.F32, false), dir, seed);
        ByteTokenizerFiles.write(dir);
        return dir;
    }

    /** Writes {@code variant} with random weights from {@code seed} into {@code dir}. */
    static void write(Variant variant, Path dir, long seed) throws IOException {
        Files.createDirectories(dir);
        JSON.writerWithDefaultPrettyPrinter()
                .writeValue(dir.resolve("config.json").toFile(), variant.config());
        HfModelConfig config = HfModelConfig.parse(variant.config());
        Random random = new Random(seed);
        SafetensorsWriter first = new SafetensorsWriter().metadata("format", "pt");
        SafetensorsWriter second = new SafetensorsWriter().metadata("format", "pt");
        ObjectNode weightMap = JSON.createObjectNode();
        int i = 0;
        Map<String, long[]> shapes = LlamaModel.expectedShapes(config);
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            String name = e.getKey();
            long count = 1;
            for (long d : e.getValue()) {
                count *= d;
            }
            float[] values = new float[(int) count];
            boolean norm = name.endsWith("norm.weight");
            double scale = name.endsWith(".bias") ? 0.1 : name.contains("embed_tokens") ? 0.5 : 0.2;
            for (int k = 0; k < values.length; k++) {
                double g = random.nextGaussian();
                values[k] = (float) (norm ? 1 + 0.2 * g : scale * g);
            }
            boolean toSecond = variant.sharded() && i++ >= shapes.size() / 2;
            (toSecond ? second : first).add(name, variant.dtype(), e.getValue(), values);
            weightMap.put(name, toSecond ? "model-00002-of-00002.safetensors" : "model-00001-of-00002.safetensors");
        }
        if (variant.sharded()) {
            first.write(dir.resolve("model-00001-of-00002.safetensors"));
            second.write(dir.resolve("model-00002-of-00002.safetensors"));
            ObjectNode index = JSON.createObjectNode();
            index.putObject("metadata").put("total_size", 0);
            index.set("weight_map", weightMap);
            JSON.writeValue(dir.resolve("model.safetensors.index.json").toFile(), index);
        } else {
            first.write(dir.resolve("model.safetensors"));
        }
    }
}
